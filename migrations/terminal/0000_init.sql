CREATE TABLE `accounts` (
	`number` text PRIMARY KEY NOT NULL,
	`student_id` text NOT NULL,
	`server_balance` integer DEFAULT 0 NOT NULL,
	`server_seq` integer DEFAULT 0 NOT NULL,
	`daily_limit` integer,
	`has_permanent_password` integer DEFAULT false NOT NULL,
	`updated_at` text
);
--> statement-breakpoint
CREATE TABLE `barred_items` (
	`account_number` text NOT NULL,
	`target_kind` text NOT NULL,
	`target_id` text NOT NULL,
	PRIMARY KEY(`account_number`, `target_kind`, `target_id`)
);
--> statement-breakpoint
CREATE TABLE `benefit_categories` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `cards` (
	`id` text PRIMARY KEY NOT NULL,
	`account_number` text NOT NULL,
	`state` text DEFAULT 'active' NOT NULL,
	`updated_at` text
);
--> statement-breakpoint
CREATE INDEX `cards_account_idx` ON `cards` (`account_number`);--> statement-breakpoint
CREATE TABLE `cashiers` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`role` text NOT NULL,
	`pin_hash` text NOT NULL,
	`active` integer DEFAULT true NOT NULL
);
--> statement-breakpoint
CREATE TABLE `dishes` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`price` integer NOT NULL,
	`category_id` text NOT NULL,
	`hotkey` text,
	`sort` integer DEFAULT 0 NOT NULL,
	`active` integer DEFAULT true NOT NULL
);
--> statement-breakpoint
CREATE TABLE `entitlement_rules` (
	`id` text PRIMARY KEY NOT NULL,
	`benefit_category_id` text NOT NULL,
	`meal_set_id` text NOT NULL,
	`parent_pays` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `entries` (
	`uuid` text PRIMARY KEY NOT NULL,
	`seq` integer NOT NULL,
	`kind` text NOT NULL,
	`account_number` text,
	`amount` integer NOT NULL,
	`created_at` text NOT NULL,
	`school_day` text NOT NULL,
	`receipt_id` text,
	`shift_id` text,
	`cashier_id` text,
	`card_id` text,
	`payload` text DEFAULT '{}' NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `entries_seq_unique` ON `entries` (`seq`);--> statement-breakpoint
CREATE INDEX `entries_account_seq_idx` ON `entries` (`account_number`,`seq`);--> statement-breakpoint
CREATE INDEX `entries_account_day_idx` ON `entries` (`account_number`,`school_day`);--> statement-breakpoint
CREATE INDEX `entries_receipt_idx` ON `entries` (`receipt_id`);--> statement-breakpoint
CREATE TABLE `meal_sets` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`price` integer NOT NULL,
	`category_id` text NOT NULL,
	`hotkey` text,
	`sort` integer DEFAULT 0 NOT NULL,
	`active` integer DEFAULT true NOT NULL,
	`dish_ids` text DEFAULT '[]' NOT NULL
);
--> statement-breakpoint
CREATE TABLE `menu_categories` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`sort` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE `outbox` (
	`seq` integer PRIMARY KEY NOT NULL,
	`entry_uuid` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`sent_at` text,
	`acked_at` text,
	`last_error` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `outbox_entry_uuid_unique` ON `outbox` (`entry_uuid`);--> statement-breakpoint
CREATE INDEX `outbox_status_idx` ON `outbox` (`status`,`seq`);--> statement-breakpoint
CREATE TABLE `print_jobs` (
	`id` text PRIMARY KEY NOT NULL,
	`receipt_id` text,
	`kind` text NOT NULL,
	`payload` text NOT NULL,
	`status` text DEFAULT 'queued' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`last_error` text,
	`copy` integer DEFAULT false NOT NULL,
	`created_at` text NOT NULL,
	`printed_at` text
);
--> statement-breakpoint
CREATE INDEX `print_jobs_status_idx` ON `print_jobs` (`status`,`created_at`);--> statement-breakpoint
CREATE TABLE `receipt_lines` (
	`receipt_id` text NOT NULL,
	`line_no` integer NOT NULL,
	`item_id` text NOT NULL,
	`item_kind` text NOT NULL,
	`name` text NOT NULL,
	`quantity` integer NOT NULL,
	`unit_price` integer NOT NULL,
	`amount` integer NOT NULL,
	`subsidy` integer DEFAULT 0 NOT NULL,
	`rule_id` text,
	PRIMARY KEY(`receipt_id`, `line_no`)
);
--> statement-breakpoint
CREATE TABLE `receipts` (
	`id` text PRIMARY KEY NOT NULL,
	`seq` integer NOT NULL,
	`number` text NOT NULL,
	`kind` text NOT NULL,
	`sale_id` text,
	`shift_id` text NOT NULL,
	`cashier_id` text NOT NULL,
	`account_number` text NOT NULL,
	`card_id` text,
	`total` integer NOT NULL,
	`subsidy` integer DEFAULT 0 NOT NULL,
	`issued_at` text NOT NULL,
	`school_day` text NOT NULL,
	`refund_of` text,
	`refunded_by` text,
	`doc` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `receipts_seq_unique` ON `receipts` (`seq`);--> statement-breakpoint
CREATE UNIQUE INDEX `receipts_number_unique` ON `receipts` (`number`);--> statement-breakpoint
CREATE UNIQUE INDEX `receipts_sale_id_unique` ON `receipts` (`sale_id`);--> statement-breakpoint
CREATE INDEX `receipts_shift_idx` ON `receipts` (`shift_id`);--> statement-breakpoint
CREATE INDEX `receipts_account_day_idx` ON `receipts` (`account_number`,`school_day`);--> statement-breakpoint
CREATE TABLE `schools` (
	`id` text PRIMARY KEY NOT NULL,
	`code` text NOT NULL,
	`name` text NOT NULL,
	`time_zone` text DEFAULT 'Europe/Moscow' NOT NULL,
	`overdraft_limit` integer DEFAULT 0 NOT NULL,
	`stale_after_minutes` integer DEFAULT 1440 NOT NULL,
	`cabinet_url` text DEFAULT '' NOT NULL
);
--> statement-breakpoint
CREATE TABLE `settings` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `shifts` (
	`id` text PRIMARY KEY NOT NULL,
	`number` integer NOT NULL,
	`opened_at` text NOT NULL,
	`opened_by` text NOT NULL,
	`closed_at` text,
	`closed_by` text,
	`z_report` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `shifts_number_unique` ON `shifts` (`number`);--> statement-breakpoint
CREATE TABLE `student_benefits` (
	`student_id` text NOT NULL,
	`benefit_category_id` text NOT NULL,
	PRIMARY KEY(`student_id`, `benefit_category_id`)
);
--> statement-breakpoint
CREATE TABLE `students` (
	`id` text PRIMARY KEY NOT NULL,
	`school_id` text NOT NULL,
	`full_name` text NOT NULL,
	`class_name` text NOT NULL,
	`account_number` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `students_account_idx` ON `students` (`account_number`);--> statement-breakpoint
CREATE TABLE `sync_state` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
