DROP INDEX `entries_account_day_idx`;--> statement-breakpoint
DROP INDEX `outbox_entry_uuid_unique`;