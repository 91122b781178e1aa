-- The build-list entry of a job (the list's JSON wire format), so a worker on another host
-- builds it without the list: pkgnames, checkdepends, ignorearch travel with the job.
ALTER TABLE jobs ADD COLUMN entry TEXT;
