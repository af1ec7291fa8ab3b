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
ALTER TABLE "stats_summary_days" ADD COLUMN "counters" text DEFAULT '' NOT NULL;