CREATE TABLE `cohort` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`embedding` blob NOT NULL
);
