/// The edges of the system (webhook ingress, dashboard API, WebSocket feed, Graph API client and
/// simulator) live here. Not built yet: see issues 4 and 5.
public enum Adapters {}
