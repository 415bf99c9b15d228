-- Running sums on accounts, kept by triggers so that identify/sell read O(1)
-- instead of summing the account's whole local ledger (see schema.ts accounts).
CREATE TRIGGER `entries_account_sums` AFTER INSERT ON `entries`
WHEN NEW.account_number IS NOT NULL
BEGIN
  UPDATE `accounts` SET
    `local_sum` = `local_sum` + CASE WHEN NEW.seq > `server_seq` THEN NEW.amount ELSE 0 END,
    `spent_today` = CASE
      WHEN NEW.kind NOT IN ('sale', 'refund') THEN `spent_today`
      WHEN `spent_day` IS NULL OR NEW.school_day > `spent_day` THEN -NEW.amount
      WHEN NEW.school_day = `spent_day` THEN `spent_today` - NEW.amount
      ELSE `spent_today` END,
    `spent_day` = CASE
      WHEN NEW.kind IN ('sale', 'refund') AND (`spent_day` IS NULL OR NEW.school_day > `spent_day`) THEN NEW.school_day
      ELSE `spent_day` END
  WHERE `number` = NEW.account_number;
END;
--> statement-breakpoint
CREATE TRIGGER `accounts_server_seq_moved` AFTER UPDATE OF `server_seq` ON `accounts`
WHEN NEW.server_seq IS NOT OLD.server_seq
BEGIN
  UPDATE `accounts` SET `local_sum` = coalesce((SELECT sum(e.amount) FROM `entries` e WHERE e.account_number = NEW.number AND e.seq > NEW.server_seq), 0)
  WHERE `number` = NEW.number;
END;
--> statement-breakpoint
UPDATE `accounts` SET
  `local_sum` = coalesce((SELECT sum(e.amount) FROM `entries` e WHERE e.account_number = `accounts`.number AND e.seq > `accounts`.server_seq), 0),
  `spent_day` = (SELECT max(e.school_day) FROM `entries` e WHERE e.account_number = `accounts`.number AND e.kind IN ('sale', 'refund'));
--> statement-breakpoint
UPDATE `accounts` SET `spent_today` = coalesce((SELECT -sum(e.amount) FROM `entries` e WHERE e.account_number = `accounts`.number AND e.school_day = `accounts`.spent_day AND e.kind IN ('sale', 'refund')), 0);
