-- Enrolment merges (issue 16): profiles keep the float64 sample sum (NULL = written whole); outbox rows of op enrol carry a delta. Existing rows stay valid replaces.
ALTER TABLE `outbox` ADD `sample_sum` blob;--> statement-breakpoint
ALTER TABLE `outbox` ADD `samples` integer;--> statement-breakpoint
ALTER TABLE `profiles` ADD `sample_sum` blob;