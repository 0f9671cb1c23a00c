-- Index snapshots (issue 15): a generation of the profiles, made anew by triggers on every profile write, so a snapshot of the agent's index is used only while no writer (agent, CLI, direct libSQL) has changed a profile since it was taken. A random 64-bit value, not a counter: a restored older copy of the database that then takes other writes would count back up to a snapshot's number, but does not draw its value again.
CREATE TABLE `profiles_generation` (
	`id` integer PRIMARY KEY NOT NULL,
	`generation` integer DEFAULT 0 NOT NULL
);--> statement-breakpoint
INSERT INTO `profiles_generation` (`id`, `generation`) VALUES (0, 0);--> statement-breakpoint
CREATE TRIGGER `profiles_generation_insert` AFTER INSERT ON `profiles` BEGIN UPDATE `profiles_generation` SET `generation` = random() WHERE `id` = 0; END;--> statement-breakpoint
CREATE TRIGGER `profiles_generation_update` AFTER UPDATE ON `profiles` BEGIN UPDATE `profiles_generation` SET `generation` = random() WHERE `id` = 0; END;--> statement-breakpoint
CREATE TRIGGER `profiles_generation_delete` AFTER DELETE ON `profiles` BEGIN UPDATE `profiles_generation` SET `generation` = random() WHERE `id` = 0; END;
