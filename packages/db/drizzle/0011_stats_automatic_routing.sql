ALTER TABLE "stats_daily" ADD COLUMN "model_decisions" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "stats_daily" ADD COLUMN "routed_automatically" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "stats_daily_departments" ADD COLUMN "model_decisions" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "stats_daily_departments" ADD COLUMN "routed_automatically" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "stats_daily_dimensions" ADD COLUMN "model_decisions" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "stats_daily_dimensions" ADD COLUMN "routed_automatically" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- 自动分派率 counts the classifier's decisions: forget the kept days, so the stats service recounts them at start.
DELETE FROM "stats_summary_days";
