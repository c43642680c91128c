import Synchronization

/// Writes a client's frames, in order, to its connection (a WebSocket or an event stream) until
/// the client is ended, the connection fails or the peer leaves; shared by both transports.
enum FeedDelivery {
    /// The position a client has been written up to: the `N` of "resume from N".
    final class Progress: Sendable {
        private let position: Atomic<UInt64>
        init(_ start: UInt64) { position = Atomic(start) }
        var written: UInt64 { position.load(ordering: .relaxed) }
        func wrote(_ frame: FeedFrame) {
            if frame.kind == .event || frame.kind == .reset { position.store(frame.position, ordering: .relaxed) }
        }

        func wrote(_ frames: [FeedFrame]) {
            if let last = frames.last(where: { $0.kind == .event || $0.kind == .reset }) { wrote(last) }
        }
    }

    /// Runs `write` for the subscription's first frames and then for its queue (what waited since
    /// the last write, all at once), until one of: the hub ends the client (its queue overflowed,
    /// or shutdown), `write` throws, or `peerGone` returns. A write blocked on a client that reads
    /// nothing is cancelled when the hub ends it. `write` updates `progress` as frames are handed
    /// to the connection. Returns why the client was ended by the server, if it was.
    static func run(
        _ subscription: FeedHub.Subscription, hub: FeedHub, progress: Progress,
        write: @escaping @Sendable ([FeedFrame], Progress) async throws -> Void,
        peerGone: (@Sendable () async -> Void)? = nil
    ) async -> FeedClient.End? {
        let client = subscription.client
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    try await write(subscription.first, progress)
                    hub.sent(subscription.first.count)
                    while let frames = await client.next() {
                        try await write(frames, progress)
                        hub.sent(frames.count)
                    }
                } catch {
                    // The connection failed or was cancelled: the session ends.
                }
            }
            group.addTask { await client.waitForEnd() }
            if let peerGone { group.addTask { await peerGone() } }
            await group.next()
            group.cancelAll()
        }
        return client.ended
    }

    /// The close reason of a client ended as a slow consumer.
    static func slowConsumerReason(_ progress: Progress) -> String { "slow consumer, resume from \(progress.written)" }

    static let shutdownReason = "the service is stopping; reconnect and resume"
}
