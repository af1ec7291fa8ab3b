CREATE TABLE "stats_daily_departments" (
	"day" date NOT NULL,
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
	CONSTRAINT "stats_daily_departments_day_department_pk" PRIMARY KEY("day","department")
);
--> statement-breakpoint
CREATE TABLE "stats_daily_durations_mix" (
	"day" date NOT NULL,
	"dimension" text NOT NULL,
	"code" text NOT NULL,
	"kind" text NOT NULL,
	"minutes" integer NOT NULL,
	"count" integer NOT NULL,
	CONSTRAINT "stats_daily_durations_mix_day_dimension_code_kind_minutes_pk" PRIMARY KEY("day","dimension","code","kind","minutes")
);
--> statement-breakpoint
CREATE TABLE "stats_daily_mix" (
	"day" date NOT NULL,
	"dimension" text NOT NULL,
	"code" text NOT NULL,
	"received" integer NOT NULL,
	CONSTRAINT "stats_daily_mix_day_dimension_code_pk" PRIMARY KEY("day","dimension","code")
);
