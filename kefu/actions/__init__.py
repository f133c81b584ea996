"""Every write goes through a function here: ``do_<verb>_<noun>(session, actor, ...)``.

An action checks permission, writes, records the audit entry and registers events; the
events leave after the caller commits (see ``kefu.actions.base``)."""
