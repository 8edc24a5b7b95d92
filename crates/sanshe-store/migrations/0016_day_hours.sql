-- Hours each social worker has logged per day across every contract, kept by the write that
-- logs them: the 24-hour cap is one conditional upsert on this row, whichever contracts the
-- parallel entries belong to.
CREATE TABLE worker_day_hours (
    worker_id BIGINT NOT NULL REFERENCES social_workers(id),
    day TEXT NOT NULL,
    hours_tenths BIGINT NOT NULL,
    PRIMARY KEY (worker_id, day)
);
INSERT INTO worker_day_hours (worker_id, day, hours_tenths)
    SELECT h.worker_id, l.day, SUM(h.hours_tenths) FROM delivery_hours h
    JOIN delivery_logs l ON l.id = h.log_id GROUP BY h.worker_id, l.day;
