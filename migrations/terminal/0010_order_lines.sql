CREATE TABLE `order_lines` (
	`id` text PRIMARY KEY NOT NULL,
	`day` text NOT NULL,
	`class_name` text NOT NULL,
	`sitting_id` text NOT NULL,
	`student_id` text NOT NULL,
	`account_number` text,
	`meal_set_id` text NOT NULL,
	`meal_set_name` text NOT NULL,
	`dishes` text DEFAULT '[]' NOT NULL,
	`parent_amount` integer NOT NULL,
	`subsidy_amount` integer NOT NULL,
	`reversed` integer DEFAULT false NOT NULL
);
--> statement-breakpoint
CREATE INDEX `order_lines_day_class_idx` ON `order_lines` (`day`,`class_name`,`sitting_id`);--> statement-breakpoint
CREATE INDEX `order_lines_day_account_idx` ON `order_lines` (`day`,`account_number`);--> statement-breakpoint
CREATE TABLE `order_served` (
	`line_id` text PRIMARY KEY NOT NULL,
	`day` text NOT NULL,
	`entry_seq` integer,
	`served_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `order_sittings` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`kind` text NOT NULL,
	`starts_at` text NOT NULL,
	`ends_at` text NOT NULL,
	`sort` integer DEFAULT 0 NOT NULL
);
