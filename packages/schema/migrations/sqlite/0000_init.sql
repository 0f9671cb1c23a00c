CREATE TABLE `outbox` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`speaker_id` text NOT NULL,
	`op` text NOT NULL,
	`priority` integer NOT NULL,
	`name` text NOT NULL,
	`embedding` blob NOT NULL,
	`acoustic_features` text,
	`total_samples` integer NOT NULL,
	`content_hash` text NOT NULL,
	`base_hash` text,
	`updated_at` integer NOT NULL,
	`mutation_id` integer,
	`status` text DEFAULT 'pending' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer DEFAULT 0 NOT NULL,
	`last_error` text,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `outbox_send_order` ON `outbox` (`status`,`priority`,`seq`);--> statement-breakpoint
CREATE INDEX `outbox_mutation` ON `outbox` (`mutation_id`);--> statement-breakpoint
CREATE INDEX `outbox_speaker` ON `outbox` (`speaker_id`);--> statement-breakpoint
CREATE TABLE `profiles` (
	`speaker_id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`embedding` blob NOT NULL,
	`acoustic_features` text,
	`total_samples` integer DEFAULT 1 NOT NULL,
	`content_hash` text NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	`deleted` integer DEFAULT false NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `sync_state` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
