-- Index snapshots (issue 15): a counter of profile writes, bumped by triggers, so a snapshot of the agent's index is used only while no writer (agent, CLI, direct libSQL) has changed a profile since it was taken.
CREATE TABLE `profiles_generation` (
	`id` integer PRIMARY KEY NOT NULL,
	`generation` integer DEFAULT 0 NOT NULL
);--> statement-breakpoint
INSERT INTO `profiles_generation` (`id`, `generation`) VALUES (0, 0);--> statement-breakpoint
CREATE TRIGGER `profiles_generation_insert` AFTER INSERT ON `profiles` BEGIN UPDATE `profiles_generation` SET `generation` = `generation` + 1 WHERE `id` = 0; END;--> statement-breakpoint
CREATE TRIGGER `profiles_generation_update` AFTER UPDATE ON `profiles` BEGIN UPDATE `profiles_generation` SET `generation` = `generation` + 1 WHERE `id` = 0; END;--> statement-breakpoint
CREATE TRIGGER `profiles_generation_delete` AFTER DELETE ON `profiles` BEGIN UPDATE `profiles_generation` SET `generation` = `generation` + 1 WHERE `id` = 0; END;
