ALTER TABLE `accounts` ADD `elsewhere_day` text;--> statement-breakpoint
ALTER TABLE `accounts` ADD `spent_elsewhere` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `accounts` ADD `benefit_elsewhere` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `dishes` ADD `allergens` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `meal_sets` ADD `allergens` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `schools` ADD `allergen_policy` text DEFAULT 'confirm' NOT NULL;--> statement-breakpoint
ALTER TABLE `students` ADD `allergies` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `students` ADD `photo` blob;--> statement-breakpoint
ALTER TABLE `students` ADD `photo_mime` text;