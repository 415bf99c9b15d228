import { sql, type SQL } from 'drizzle-orm';

/**
 * The benefit category and funding source a receipt line was subsidised under, as of the push (issue 16:
 * the reimbursement claims a meal under the category of its day, not the pupil's category of today).
 * A LATERAL subquery over the receipt_lines insert's rows `t` (columns: item, am, q, sub, rule, acc, rof):
 * 1. a refund's line: the category and source its sale's line was recorded with;
 * 2. the rule the till priced the line by (receiptLineSchema.ruleId) → its category;
 * 3. a till that did not send the rule: the pupil's own category whose rule for the meal set charges
 *    what the line charged, else any category with such a rule (what the report used to infer).
 * Lines without a subsidy get nothing, and cost nothing: `t.sub <> 0` in every branch is a one-time
 * filter on the outer row's value, so the branches are not run for them (most lines of a push).
 */
export function lineBenefitJoin(schoolId: string): SQL {
  return sql`LEFT JOIN LATERAL (
    SELECT k.category_id, k.funding FROM (
      SELECT 1 AS pr, sl.benefit_category_id AS category_id, sl.funding_source AS funding
      FROM receipt_lines sl WHERE t.sub <> 0 AND t.rof IS NOT NULL AND sl.school_id = ${schoolId} AND sl.receipt_id = t.rof AND sl.item_id = t.item
        AND sl.benefit_category_id IS NOT NULL
      UNION ALL
      SELECT 2, c.id, c.funding_source FROM benefit_rules br JOIN benefit_categories c ON c.school_id = br.school_id AND c.id = br.benefit_category_id
      WHERE t.sub <> 0 AND t.rule IS NOT NULL AND br.school_id = ${schoolId} AND br.id = t.rule
      UNION ALL
      SELECT 3, c.id, c.funding_source FROM accounts a JOIN students st ON st.id = a.student_id
        JOIN benefit_rules br ON br.school_id = ${schoolId} AND br.meal_set_id = t.item AND br.parent_pays = t.am / t.q
          AND br.benefit_category_id = ANY(st.benefit_category_ids)
        JOIN benefit_categories c ON c.school_id = br.school_id AND c.id = br.benefit_category_id
      WHERE t.sub <> 0 AND t.rule IS NULL AND a.account_number = t.acc
      UNION ALL
      SELECT 4, c.id, c.funding_source FROM benefit_rules br JOIN benefit_categories c ON c.school_id = br.school_id AND c.id = br.benefit_category_id
      WHERE t.sub <> 0 AND t.rule IS NULL AND br.school_id = ${schoolId} AND br.meal_set_id = t.item AND br.parent_pays = t.am / t.q
    ) k ORDER BY k.pr, k.category_id LIMIT 1) b ON t.sub <> 0`;
}
