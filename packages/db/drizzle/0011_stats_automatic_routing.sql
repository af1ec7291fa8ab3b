ALTER TABLE "stats_daily" ADD COLUMN "model_decisions" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "stats_daily" ADD COLUMN "routed_automatically" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "stats_daily" ADD COLUMN "triaged_unsure" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "stats_daily" ADD COLUMN "triaged_too_few_words" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "stats_daily" ADD COLUMN "triaged_unlabelled_category" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "stats_daily_departments" ADD COLUMN "model_decisions" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "stats_daily_departments" ADD COLUMN "routed_automatically" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "stats_daily_departments" ADD COLUMN "triaged_unsure" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "stats_daily_departments" ADD COLUMN "triaged_too_few_words" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "stats_daily_departments" ADD COLUMN "triaged_unlabelled_category" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "stats_daily_dimensions" ADD COLUMN "model_decisions" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "stats_daily_dimensions" ADD COLUMN "routed_automatically" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "stats_daily_dimensions" ADD COLUMN "triaged_unsure" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "stats_daily_dimensions" ADD COLUMN "triaged_too_few_words" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "stats_daily_dimensions" ADD COLUMN "triaged_unlabelled_category" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "stats_summary_days" ADD COLUMN "counters" text DEFAULT '' NOT NULL;--> statement-breakpoint
-- Releases before this one mark a summarised day with `insert … on conflict (day) do update set computed_at`, and leave
-- the counters they do not know at 0; this one deletes and inserts the day's mark. So an update of a mark is such a
-- release (a replica still running during a rollout) recounting the day: the day is no longer kept with these counters.
CREATE FUNCTION "stats_summary_day_recounted_by_another_release"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.counters := '';
  RETURN NEW;
END
$$;--> statement-breakpoint
CREATE TRIGGER "stats_summary_days_recounted_by_another_release" BEFORE UPDATE ON "stats_summary_days"
  FOR EACH ROW EXECUTE FUNCTION "stats_summary_day_recounted_by_another_release"();
