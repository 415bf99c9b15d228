-- Aliases of each card for keyboard-wedge and HID readers (DEC:/HEX:/W26:, see schema.ts).
-- WITHOUT ROWID: the rows are the key (alias, card_id), so one b-tree instead of table + index.
CREATE TABLE `card_aliases` (
	`alias` text NOT NULL,
	`card_id` text NOT NULL,
	PRIMARY KEY(`alias`, `card_id`)
) WITHOUT ROWID;
--> statement-breakpoint
-- The aliases are computed by cardIdAliases() (hardware/reader/card-id.ts), which SQL cannot
-- call: mark the cards already here for a backfill, done by openTerminalDb right after migrating.
INSERT OR REPLACE INTO `settings` (`key`, `value`) VALUES ('card_aliases_backfill', 'pending');
