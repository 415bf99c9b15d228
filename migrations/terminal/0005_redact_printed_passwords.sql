-- A temporary cabinet password belongs on paper only (DESIGN.md: the plaintext never leaves
-- the receipt). Once a job is printed, blank it in the same statement that marks the job
-- printed, whoever marks it (the printer helper's queue, a test, a future store): no window
-- in which a crash leaves a printed password in the database.
CREATE TRIGGER `print_jobs_redact_printed` AFTER UPDATE OF `status` ON `print_jobs`
WHEN NEW.status = 'printed' AND instr(NEW.payload, '"cabinetLogin"') > 0 AND json_valid(NEW.payload)
  AND json_type(NEW.payload, '$.cabinetLogin.password') = 'text'
  AND json_extract(NEW.payload, '$.cabinetLogin.password') != '********'
BEGIN
  UPDATE `print_jobs` SET `payload` = json_set(`payload`, '$.cabinetLogin.password', '********') WHERE `id` = NEW.id;
END;
--> statement-breakpoint
-- Jobs printed before this migration.
UPDATE `print_jobs` SET `payload` = json_set(`payload`, '$.cabinetLogin.password', '********')
WHERE `status` = 'printed' AND instr(`payload`, '"cabinetLogin"') > 0 AND json_valid(`payload`)
  AND json_type(`payload`, '$.cabinetLogin.password') = 'text';
