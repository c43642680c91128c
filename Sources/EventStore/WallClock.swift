/// A source of wall-clock time: milliseconds since 1970-01-01T00:00:00Z.
///
/// Components that stamp events or compare against "now" take a `WallClock` instead of reading
/// the system clock, so tests can pin or advance the time they see.
///
/// ```swift
/// let clock = WallClock.system
/// let stamped = clock.now()  // e.g. 1_795_000_000_000
/// let pinned = WallClock { 1_700_000_000_000 }
/// ```
public struct WallClock: Sendable {
    private let read: @Sendable () -> Int64

    /// A clock that answers with `read()` on every call to ``now()``.
    public init(_ read: @escaping @Sendable () -> Int64) {
        self.read = read
    }

    /// The current time, in milliseconds since 1970-01-01T00:00:00Z.
    public func now() -> Int64 { read() }

    /// The operating system's real-time clock (`CLOCK_REALTIME`).
    public static let system = WallClock { LogFS.now() }
}
