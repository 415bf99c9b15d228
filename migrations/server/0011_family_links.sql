CREATE TABLE "cabinet_family_links" (
	"owner_account" text NOT NULL,
	"linked_account" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "cabinet_family_links_owner_account_linked_account_pk" PRIMARY KEY("owner_account","linked_account")
);
--> statement-breakpoint
CREATE INDEX "cabinet_family_links_linked_idx" ON "cabinet_family_links" USING btree ("linked_account");