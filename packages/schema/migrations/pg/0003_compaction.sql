CREATE TABLE "compaction_horizons" (
	"tenant_id" text PRIMARY KEY NOT NULL,
	"horizon" bigint DEFAULT 0 NOT NULL,
	"compacted_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "changes_tenant_speaker" ON "changes" USING btree ("tenant_id","speaker_id","id");