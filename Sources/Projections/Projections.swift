/// Read models derived from the event log (metrics, conversations, realtime, recent events,
/// deliveries) live here. Not built yet: see issue 3.
public enum Projections {}
