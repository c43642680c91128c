import Adapters

/// The live feed: its own port (on the dashboard API's address) and the hub's bounds.
struct FeedConfiguration {
    /// The feed's WebSocket port (`--ws-port`; 0 picks a free one).
    var port = 3001
    var hub = FeedHub.Configuration()
}
