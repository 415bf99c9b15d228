ALTER TABLE "receipt_lines" ADD COLUMN "benefit_category_id" text;--> statement-breakpoint
ALTER TABLE "receipt_lines" ADD COLUMN "funding_source" text;--> statement-breakpoint
-- The benefit category at the time of the meal (issue 16): push now writes it from the till's rule id.
-- Lines stored before get what the reimbursement used to infer: the pupil's own category whose rule
-- for the meal set charges what the line charged, else any category with such a rule; a refund's
-- line then takes its sale's line.
UPDATE "receipt_lines" l SET "benefit_category_id" = coalesce(
  (SELECT min(br.benefit_category_id) FROM receipts r
     JOIN accounts a ON a.account_number = r.account_number JOIN students st ON st.id = a.student_id
     JOIN benefit_rules br ON br.school_id = l.school_id AND br.meal_set_id = l.item_id AND br.parent_pays = l.amount / l.quantity
       AND br.benefit_category_id = ANY(st.benefit_category_ids)
   WHERE r.school_id = l.school_id AND r.id = l.receipt_id),
  (SELECT min(br.benefit_category_id) FROM benefit_rules br
   WHERE br.school_id = l.school_id AND br.meal_set_id = l.item_id AND br.parent_pays = l.amount / l.quantity))
WHERE l."subsidy" <> 0 AND l."benefit_category_id" IS NULL
  AND EXISTS (SELECT 1 FROM receipts r WHERE r.school_id = l.school_id AND r.id = l.receipt_id AND r.kind = 'sale');
--> statement-breakpoint
UPDATE "receipt_lines" l SET "benefit_category_id" = coalesce(
  (SELECT min(sl.benefit_category_id) FROM receipts r JOIN receipt_lines sl ON sl.school_id = r.school_id AND sl.receipt_id = r.refund_of AND sl.item_id = l.item_id
   WHERE r.school_id = l.school_id AND r.id = l.receipt_id),
  (SELECT min(br.benefit_category_id) FROM benefit_rules br
   WHERE br.school_id = l.school_id AND br.meal_set_id = l.item_id AND br.parent_pays = l.amount / l.quantity))
WHERE l."subsidy" <> 0 AND l."benefit_category_id" IS NULL;
--> statement-breakpoint
UPDATE "receipt_lines" l SET "funding_source" = bc.funding_source
FROM benefit_categories bc WHERE bc.school_id = l.school_id AND bc.id = l.benefit_category_id AND l."funding_source" IS NULL;
