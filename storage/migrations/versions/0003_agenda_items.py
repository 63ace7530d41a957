"""agenda items, published agenda versions and the minutes as sent

An agenda item is a row of its own: it belongs to one meeting, and a case can come back at many
meetings. Decisions, assignments, extensions and follow-ups point at the item they were taken under.
Publishing stores the agenda as published (agenda_version); sending the minutes stores them as sent
(meeting.minutes_record, minutes_sent_text, minutes_sha256).

Data: every case placed on a meeting becomes an item there (after the four standing items of seed
003), with its title, purpose, presenter, text, proposal and attachments; its decisions at that
meeting, its assignments and follow-ups are attached to that item. Agendas published and minutes sent
before this revision have no stored version; kansli renders them from their items, which no longer
change when a case moves on.

Downgrade: refused once any agenda has been published as a version or any minutes stored as sent
(those records exist only in the new tables and columns). On a store without such records it drops
the new tables and columns; the cases keep their meeting. On SQLite the item_id columns of decision,
assignment, assignment_extension and follow_up are emptied but stay (SQLite would have to rebuild
those tables, which breaks the references between them); revision 0002 does not read them.

Revision ID: 0003
Revises: 0002
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

STANDING = ("Mötets öppnande", "Godkännande av dagordning", "Föregående minnesanteckningar",
            "Rapporter och delgivningar")
ON_AGENDA = ("pa_dagordning", "behandlat", "aterremitterat", "avslutat")


def upgrade() -> None:
    with op.batch_alter_table("forum", schema=None) as batch_op:
        batch_op.add_column(sa.Column("standing_items", sa.Text(), nullable=True))
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.add_column(sa.Column("minutes_record", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("minutes_sent_text", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("minutes_sha256", sa.String(length=64), nullable=True))

    op.create_table(
        "agenda_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("sub_number", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("purpose", sa.String(length=20), nullable=True),
        sa.Column("presenter_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("proposal", sa.Text(), nullable=True),
        sa.Column("proposer", sa.String(length=200), nullable=True),
        sa.Column("attachments", sa.JSON(), nullable=True),
        sa.Column("late_addition", sa.Boolean(), nullable=False),
        sa.Column("standing", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case_item.id"], name=op.f("fk_agenda_item_case_id_case_item")),
        sa.ForeignKeyConstraint(["meeting_id"], ["meeting.id"], name=op.f("fk_agenda_item_meeting_id_meeting")),
        sa.ForeignKeyConstraint(["presenter_id"], ["person.id"], name=op.f("fk_agenda_item_presenter_id_person")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agenda_item")),
    )
    with op.batch_alter_table("agenda_item", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agenda_item_case_id"), ["case_id"], unique=False)
        batch_op.create_index("ix_agenda_item_meeting_number", ["meeting_id", "number", "sub_number"], unique=False)

    op.create_table(
        "agenda_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["meeting_id"], ["meeting.id"], name=op.f("fk_agenda_version_meeting_id_meeting")),
        sa.ForeignKeyConstraint(["published_by_id"], ["person.id"],
                                name=op.f("fk_agenda_version_published_by_id_person")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agenda_version")),
        sa.UniqueConstraint("meeting_id", "version", name="uq_agenda_version_meeting_version"),
    )

    with op.batch_alter_table("decision", schema=None) as batch_op:  # nothing refers to decision: safe to rebuild
        batch_op.alter_column("case_id", existing_type=sa.Integer(), nullable=True)
    for table in ("decision", "assignment", "assignment_extension", "follow_up"):
        add_item_column(table)
    op.create_index(op.f("ix_decision_item_id"), "decision", ["item_id"], unique=False)
    op.create_index(op.f("ix_assignment_item_id"), "assignment", ["item_id"], unique=False)

    carry_over(op.get_bind())


def add_item_column(table: str) -> None:
    """item_id → agenda_item.id, added in place: on SQLite a rebuild of assignment would break the references
    from assignment_extension, so the column and its named reference are added with ALTER TABLE."""
    name = f"fk_{table}_item_id_agenda_item"
    if op.get_bind().dialect.name == "sqlite":
        if "item_id" in {c["name"] for c in sa.inspect(op.get_bind()).get_columns(table)}:
            return  # left by a downgrade on SQLite
        op.execute(f"ALTER TABLE {table} ADD COLUMN item_id INTEGER CONSTRAINT {name} REFERENCES agenda_item (id)")
        return
    op.add_column(table, sa.Column("item_id", sa.Integer(), nullable=True))
    op.create_foreign_key(name, table, "agenda_item", ["item_id"], ["id"])


def carry_over(conn) -> None:  # type: ignore[no-untyped-def]
    """Every case placed on a meeting becomes an item there, with its decisions, assignments and follow-ups."""
    meta = sa.MetaData()
    case = sa.Table("case_item", meta, autoload_with=conn)
    meeting = sa.Table("meeting", meta, autoload_with=conn)
    attachment = sa.Table("attachment", meta, autoload_with=conn)
    item = sa.Table("agenda_item", meta, autoload_with=conn)
    decision = sa.Table("decision", meta, autoload_with=conn)
    assignment = sa.Table("assignment", meta, autoload_with=conn)
    extension = sa.Table("assignment_extension", meta, autoload_with=conn)
    follow_up = sa.Table("follow_up", meta, autoload_with=conn)

    placed = conn.execute(
        sa.select(case).where(case.c.meeting_id.is_not(None), case.c.status.in_(ON_AGENDA))
        .order_by(case.c.meeting_id, case.c.agenda_order.is_(None), case.c.agenda_order, case.c.id)
    ).mappings().all()
    numbers: dict[int, int] = {}
    for c in placed:
        mid = c["meeting_id"]
        if conn.execute(sa.select(item.c.id).where(item.c.meeting_id == mid, item.c.case_id == c["id"])).first():
            continue  # already an item there (the carry-over is safe to run twice)
        starts = conn.execute(sa.select(meeting.c.starts_at).where(meeting.c.id == mid)).scalar_one()
        if mid not in numbers:
            numbers[mid] = conn.execute(sa.select(sa.func.max(item.c.number))
                                        .where(item.c.meeting_id == mid)).scalar() or 0
        if not numbers[mid]:
            for i, title in enumerate(STANDING):
                conn.execute(item.insert().values(meeting_id=mid, number=i + 1, title=title, standing=True,
                                                  late_addition=False, created_at=starts))
            numbers[mid] = len(STANDING)
        numbers[mid] += 1
        files = [{"url": a["url"], "title": a["title"]} for a in conn.execute(
            sa.select(attachment).where(attachment.c.case_id == c["id"]).order_by(attachment.c.id)).mappings()]
        item_id = conn.execute(item.insert().values(
            meeting_id=mid, number=numbers[mid], title=c["title"], case_id=c["id"], purpose=c["purpose"],
            presenter_id=c["presenter_id"], text=c["description"], proposal=c["proposal"],
            attachments=files or None, late_addition=bool(c["late_addition"]), standing=False, created_at=starts,
        )).inserted_primary_key[0]
        conn.execute(decision.update().where(
            decision.c.case_id == c["id"], sa.or_(decision.c.meeting_id == mid, decision.c.meeting_id.is_(None))
        ).values(item_id=item_id, meeting_id=mid))
        conn.execute(assignment.update().where(assignment.c.case_id == c["id"]).values(item_id=item_id))
        conn.execute(follow_up.update().where(follow_up.c.case_id == c["id"]).values(item_id=item_id))
        conn.execute(extension.update().where(
            extension.c.meeting_id == mid,
            extension.c.assignment_id.in_(sa.select(assignment.c.id).where(assignment.c.case_id == c["id"])),
        ).values(item_id=item_id))


def downgrade() -> None:
    conn = op.get_bind()
    versions = conn.execute(sa.text("SELECT count(*) FROM agenda_version")).scalar()
    sent = conn.execute(sa.text("SELECT count(*) FROM meeting WHERE minutes_record IS NOT NULL")).scalar()
    if versions or sent:
        raise RuntimeError(
            f"Refusing to downgrade below 0003: {versions} published agenda version(s) and {sent} sent minutes "
            "are stored only in this revision's tables and columns, and they are records that must not be lost. "
            "Restore a backup taken before the upgrade instead."
        )
    conn.execute(sa.text("DELETE FROM decision WHERE case_id IS NULL"))
    op.drop_index(op.f("ix_assignment_item_id"), table_name="assignment")
    op.drop_index(op.f("ix_decision_item_id"), table_name="decision")
    if conn.dialect.name == "sqlite":
        # SQLite cannot drop a column that holds a reference without rebuilding its table, and rebuilding
        # assignment would break the references from assignment_extension. The item_id columns stay, empty
        # and unused by revision 0002 (an upgrade again finds and reuses them).
        for table in ("decision", "assignment", "assignment_extension", "follow_up"):
            conn.execute(sa.text(f"UPDATE {table} SET item_id = NULL"))
    else:
        for table in ("follow_up", "assignment_extension", "assignment", "decision"):
            op.drop_constraint(f"fk_{table}_item_id_agenda_item", table, type_="foreignkey")
        for table in ("follow_up", "assignment_extension", "assignment", "decision"):
            op.drop_column(table, "item_id")
        op.alter_column("decision", "case_id", existing_type=sa.Integer(), nullable=False)
    op.drop_table("agenda_version")
    with op.batch_alter_table("agenda_item", schema=None) as batch_op:
        batch_op.drop_index("ix_agenda_item_meeting_number")
        batch_op.drop_index(batch_op.f("ix_agenda_item_case_id"))
    op.drop_table("agenda_item")
    # Plain DROP COLUMN (SQLite 3.35+): rebuilding meeting or forum would break the references to them.
    for table, column in (("meeting", "minutes_sha256"), ("meeting", "minutes_sent_text"),
                          ("meeting", "minutes_record"), ("forum", "standing_items")):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
