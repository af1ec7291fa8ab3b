ALTER TABLE "stats_daily" ADD COLUMN "accept_decided" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "stats_daily_departments" ADD COLUMN "accept_decided" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "stats_daily_dimensions" ADD COLUMN "accept_decided" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- 签收及时率 now counts the dispatches whose accept was decided: forget the kept days, so the stats service recounts them at start.
DELETE FROM "stats_summary_days";
