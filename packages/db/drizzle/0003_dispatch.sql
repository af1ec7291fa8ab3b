CREATE TABLE "catalogue_versions" (
	"version" integer PRIMARY KEY NOT NULL,
	"rules" jsonb NOT NULL,
	"note" text,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "deadline_alerts" (
	"ticket_id" uuid NOT NULL,
	"deadline" text NOT NULL,
	"due" timestamp with time zone NOT NULL,
	"stage" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "deadline_alerts_ticket_id_deadline_due_stage_pk" PRIMARY KEY("ticket_id","deadline","due","stage")
);
--> statement-breakpoint
CREATE TABLE "extension_requests" (
	"id" uuid PRIMARY KEY NOT NULL,
	"ticket_id" uuid NOT NULL,
	"department_code" text NOT NULL,
	"until" timestamp with time zone NOT NULL,
	"reason" text NOT NULL,
	"status" text NOT NULL,
	"requested_at" timestamp with time zone NOT NULL,
	"decided_by" text,
	"decided_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "supervision_cases" (
	"id" uuid PRIMARY KEY NOT NULL,
	"ticket_id" uuid NOT NULL,
	"department_code" text,
	"reason" text NOT NULL,
	"detail" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"resolved_at" timestamp with time zone,
	"resolved_by" text
);
--> statement-breakpoint
ALTER TABLE "tickets" ADD COLUMN "catalogue_version" integer;--> statement-breakpoint
ALTER TABLE "tickets" ADD COLUMN "dispatched_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "tickets" ADD COLUMN "accepted_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "deadline_alerts" ADD CONSTRAINT "deadline_alerts_ticket_id_tickets_id_fk" FOREIGN KEY ("ticket_id") REFERENCES "public"."tickets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "extension_requests" ADD CONSTRAINT "extension_requests_ticket_id_tickets_id_fk" FOREIGN KEY ("ticket_id") REFERENCES "public"."tickets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "supervision_cases" ADD CONSTRAINT "supervision_cases_ticket_id_tickets_id_fk" FOREIGN KEY ("ticket_id") REFERENCES "public"."tickets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "extension_requests_one_pending" ON "extension_requests" USING btree ("ticket_id") WHERE status = 'pending';--> statement-breakpoint
CREATE INDEX "supervision_cases_open_idx" ON "supervision_cases" USING btree ("created_at") WHERE resolved_at is null;--> statement-breakpoint
CREATE INDEX "supervision_cases_ticket_idx" ON "supervision_cases" USING btree ("ticket_id");--> statement-breakpoint
CREATE INDEX "tickets_co_departments_idx" ON "tickets" USING gin ("co_departments");--> statement-breakpoint
CREATE INDEX "tickets_accept_deadline_idx" ON "tickets" USING btree ("accept_deadline") WHERE status = 'dispatched';--> statement-breakpoint
CREATE INDEX "tickets_reply_deadline_idx" ON "tickets" USING btree ("reply_deadline") WHERE status in ('dispatched', 'accepted');