DROP INDEX "tickets_caller_phone_idx";--> statement-breakpoint
CREATE INDEX "tickets_place_idx" ON "tickets" USING btree ("district","street","created_at");--> statement-breakpoint
CREATE INDEX "tickets_caller_phone_idx" ON "tickets" USING btree ("caller_phone","created_at");