ALTER TABLE `accounts` ADD `local_sum` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `accounts` ADD `spent_day` text;--> statement-breakpoint
ALTER TABLE `accounts` ADD `spent_today` integer DEFAULT 0 NOT NULL;