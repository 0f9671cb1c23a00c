-- Per-tenant pull cursors (changes.seq, counted by tenants.change_seq) and a grace period for
-- rotated device secrets. Existing rows keep seq = id, so every cursor an agent already holds
-- keeps its meaning; each tenant's new changes continue above the global maximum at migration
-- time (one fixed number, not a running count of anyone's writes).
ALTER TABLE "changes" ADD COLUMN "seq" bigint;--> statement-breakpoint
UPDATE "changes" SET "seq" = "id";--> statement-breakpoint
ALTER TABLE "changes" ALTER COLUMN "seq" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "tenants" ADD COLUMN "change_seq" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
UPDATE "tenants" SET "change_seq" = (SELECT coalesce(max("id"), 0) FROM "changes");--> statement-breakpoint
CREATE UNIQUE INDEX "changes_tenant_seq" ON "changes" USING btree ("tenant_id","seq");--> statement-breakpoint
DROP INDEX "changes_tenant_cursor";--> statement-breakpoint
ALTER TABLE "devices" ADD COLUMN "previous_secret_hash" text;--> statement-breakpoint
ALTER TABLE "devices" ADD COLUMN "previous_secret_until" timestamp with time zone;
