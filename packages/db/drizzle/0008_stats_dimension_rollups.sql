CREATE TABLE "stats_daily_dimensions" (
	"day" date NOT NULL,
	"dimension" text NOT NULL,
	"code" text NOT NULL,
	"department" text NOT NULL,
	"received" integer DEFAULT 0 NOT NULL,
	"dispatched_tickets" integer DEFAULT 0 NOT NULL,
	"answered" integer DEFAULT 0 NOT NULL,
	"transferred" integer DEFAULT 0 NOT NULL,
	"merged" integer DEFAULT 0 NOT NULL,
	"dispatches" integer DEFAULT 0 NOT NULL,
	"accepted" integer DEFAULT 0 NOT NULL,
	"accepted_on_time" integer DEFAULT 0 NOT NULL,
	"replied" integer DEFAULT 0 NOT NULL,
	"replied_on_time" integer DEFAULT 0 NOT NULL,
	"returns" integer DEFAULT 0 NOT NULL,
	"reopens" integer DEFAULT 0 NOT NULL,
	"overdue" integer DEFAULT 0 NOT NULL,
	"callbacks" integer DEFAULT 0 NOT NULL,
	"resolved" integer DEFAULT 0 NOT NULL,
	"partly_resolved" integer DEFAULT 0 NOT NULL,
	"unresolved" integer DEFAULT 0 NOT NULL,
	"very_satisfied" integer DEFAULT 0 NOT NULL,
	"satisfied" integer DEFAULT 0 NOT NULL,
	"basically_satisfied" integer DEFAULT 0 NOT NULL,
	"dissatisfied" integer DEFAULT 0 NOT NULL,
	"very_dissatisfied" integer DEFAULT 0 NOT NULL,
	"unreachable" integer DEFAULT 0 NOT NULL,
	"unreached_attempts" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "stats_daily_dimensions_day_dimension_code_department_pk" PRIMARY KEY("day","dimension","code","department")
);
--> statement-breakpoint
CREATE TABLE "stats_daily_durations_dimensions" (
	"day" date NOT NULL,
	"dimension" text NOT NULL,
	"code" text NOT NULL,
	"department" text NOT NULL,
	"kind" text NOT NULL,
	"minutes" integer NOT NULL,
	"count" integer NOT NULL,
	CONSTRAINT "stats_daily_durations_dimensions_pk" PRIMARY KEY("day","dimension","code","department","kind","minutes")
);
--> statement-breakpoint
CREATE TABLE "stats_daily_mix_pairs" (
	"day" date NOT NULL,
	"dimension" text NOT NULL,
	"code" text NOT NULL,
	"mix_dimension" text NOT NULL,
	"mix_code" text NOT NULL,
	"received" integer NOT NULL,
	CONSTRAINT "stats_daily_mix_pairs_pk" PRIMARY KEY("day","dimension","code","mix_dimension","mix_code")
);
--> statement-breakpoint
CREATE INDEX "stats_daily_durations_dimensions_code_idx" ON "stats_daily_durations_dimensions" USING btree ("dimension","code","day");--> statement-breakpoint
-- The new roll-ups are empty for the days already kept: forget those days, so the stats service recounts them at start.
DELETE FROM "stats_summary_days";
