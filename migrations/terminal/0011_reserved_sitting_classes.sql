ALTER TABLE `accounts` ADD `reserved` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `order_sittings` ADD `class_names` text DEFAULT '[]' NOT NULL;