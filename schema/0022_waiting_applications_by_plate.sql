-- A firm's application is refused while another of its own for the same plate, with an
-- overlapping window, still waits for a decision (409 application_pending): found by plate.
CREATE INDEX applications_by_plate_status ON applications (plate, status);
