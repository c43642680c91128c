import NIOCore
import NIOPosix
import Synchronization

/// Where the clients connect and what they share with the rest of the tool.
struct FeedTarget: Sendable {
    let host: String
    let port: Int
    /// The feed's path: `/` on the feed port, `/api/webhook/ws` on the dashboard port.
    let path: String
    let token: String?
    let acknowledgements: Acknowledgements
    let window: MeasuredWindow
    let progress: ConnectProgress
}

/// Counts the main thread waits on while the clients connect, and the end of the run.
final class ConnectProgress: Sendable {
    /// Clients that got their first `hello`.
    let ready = Atomic<Int>(0)
    /// Clients that never got one (refused before the upgrade, or no connection).
    let failed = Atomic<Int>(0)
    /// Set at the end: closes are no longer answered with a reconnection.
    let stopping = Atomic<Bool>(false)
}

/// Opens (or reopens, resuming after `from`) one client's WebSocket on `loop`.
func connectClient(
    _ client: ClientState, stats: LoopStats, loop: any EventLoop, target: FeedTarget, from: UInt64?
) {
    ClientBootstrap(group: loop)
        .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
        .channelOption(
            ChannelOptions.recvAllocator,
            value: AdaptiveRecvByteBufferAllocator(minimum: 4096, initial: 16384, maximum: 1 << 20)
        )
        .channelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(
                    FeedClientHandler(client: client, stats: stats, target: target, from: from))
            }
        }
        .connect(host: target.host, port: target.port)
        .whenFailure { error in
            client.refusal = "no connection (\(error))"
            if !client.helloSeen { target.progress.failed.add(1, ordering: .relaxed) }
        }
}

/// A minimal WebSocket client for the feed: the upgrade request, then server frames parsed in
/// place (unmasked, as servers send them; fragments joined), pings answered, close codes kept.
/// Each text frame goes to `FrameScan`; no per-frame allocation on the common path.
final class FeedClientHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let client: ClientState
    private let stats: LoopStats
    private let target: FeedTarget
    private let from: UInt64?
    private var upgraded = false
    private var pending: ByteBuffer?
    private var fragments: [UInt8]?
    private var closeCode: Int?
    private var closing = false

    init(client: ClientState, stats: LoopStats, target: FeedTarget, from: UInt64?) {
        (self.client, self.stats, self.target, self.from) = (client, stats, target, from)
    }

    func channelActive(context: ChannelHandlerContext) {
        client.channel = context.channel
        var request = "GET \(target.path)\(from.map { "?from=\($0)" } ?? "") HTTP/1.1\r\n"
        request += "Host: \(target.host):\(target.port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        request += "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        if let token = target.token { request += "Authorization: Bearer \(token)\r\n" }
        request += "\r\n"
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: request)), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        let now = monotonicNow()
        stats.bytes += incoming.readableBytes
        var buffer: ByteBuffer
        if var previous = pending.take() {  // the only reference: appending does not copy it
            previous.writeBuffer(&incoming)
            buffer = previous
        } else {
            buffer = incoming
        }
        if !upgraded, !readUpgrade(&buffer, context: context) {
            if !closing { pending = buffer }
            return
        }
        readFrames(&buffer, now: now, context: context)
        guard !closing, buffer.readableBytes > 0 else { return }
        if buffer.readerIndex > 1 << 20 { buffer.discardReadBytes() }
        pending = buffer
    }

    func channelInactive(context: ChannelHandlerContext) {
        client.connected = false
        client.channel = nil
        if upgraded, closeCode == nil { client.closeCodes[-1, default: 0] += 1 }  // dropped without a close
        guard upgraded, !target.progress.stopping.load(ordering: .relaxed) else { return }
        // Resume where this client stopped: the server closed it (4008 slow consumer, 1013, ...).
        client.reconnects += 1
        let (client, stats, target) = (self.client, self.stats, self.target)
        let loop = context.eventLoop
        loop.scheduleTask(in: .milliseconds(20)) {
            connectClient(client, stats: stats, loop: loop, target: target, from: client.lastPosition)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !upgraded {
            client.refusal = "error before the upgrade (\(error))"
            if !client.helloSeen { target.progress.failed.add(1, ordering: .relaxed) }
        }
        closing = true
        context.close(promise: nil)
    }

    /// The server's answer to the upgrade: true once `101` has been read, false while incomplete
    /// (or after a refusal, which closes the connection).
    private func readUpgrade(_ buffer: inout ByteBuffer, context: ChannelHandlerContext) -> Bool {
        let view = buffer.readableBytesView
        guard let end = view.firstRange(of: [13, 10, 13, 10]) else { return false }
        let head = String(decoding: view[view.startIndex..<end.lowerBound], as: UTF8.self)
        buffer.moveReaderIndex(to: end.upperBound)
        let status = head.split(separator: " ", maxSplits: 2).dropFirst().first.map(String.init) ?? "?"
        guard status == "101" else {
            client.refusal = "HTTP \(status)"
            if !client.helloSeen { target.progress.failed.add(1, ordering: .relaxed) }
            closing = true
            context.close(promise: nil)
            return false
        }
        upgraded = true
        client.connected = true
        return true
    }

    private func readFrames(_ buffer: inout ByteBuffer, now: Int64, context: ChannelHandlerContext) {
        while !closing, buffer.readableBytes >= 2 {
            let start = buffer.readerIndex
            let first = buffer.getInteger(at: start, as: UInt8.self)!
            let second = buffer.getInteger(at: start + 1, as: UInt8.self)!
            var header = 2
            var length = Int(second & 0x7F)
            if length == 126 {
                guard let extended = buffer.getInteger(at: start + 2, as: UInt16.self) else { return }
                (length, header) = (Int(extended), 4)
            } else if length == 127 {
                guard let extended = buffer.getInteger(at: start + 2, as: UInt64.self) else { return }
                (length, header) = (Int(extended), 10)
            }
            let masked = second & 0x80 != 0
            if masked { header += 4 }
            guard buffer.readableBytes >= header + length else { return }
            let (opcode, final) = (first & 0x0F, first & 0x80 != 0)
            if masked {  // servers do not mask; unmask a copy all the same
                let key = buffer.getBytes(at: start + header - 4, length: 4)!
                var payload = buffer.getBytes(at: start + header, length: length)!
                for index in payload.indices { payload[index] ^= key[index % 4] }
                payload.withUnsafeBytes { frame(opcode, final, $0, now: now, context: context) }
            } else {
                buffer.withUnsafeReadableBytes { raw in
                    frame(
                        opcode, final, UnsafeRawBufferPointer(rebasing: raw[header..<(header + length)]), now: now,
                        context: context)
                }
            }
            buffer.moveReaderIndex(forwardBy: header + length)
        }
    }

    private func frame(
        _ opcode: UInt8, _ final: Bool, _ payload: UnsafeRawBufferPointer, now: Int64, context: ChannelHandlerContext
    ) {
        switch opcode {
        case 0x1:
            if final { text(payload, now: now) } else { fragments = Array(payload) }
        case 0x0:
            fragments?.append(contentsOf: payload)
            if final, let whole = fragments {
                fragments = nil
                whole.withUnsafeBytes { text($0, now: now) }
            }
        case 0x8:
            let code = payload.count >= 2 ? Int(payload[0]) << 8 | Int(payload[1]) : 1005
            closeCode = code
            client.closeCodes[code, default: 0] += 1
            if code == 4008 { client.slowConsumerCloses += 1 }
            send(opcode: 0x8, payload: [UInt8(code >> 8 & 0xFF), UInt8(code & 0xFF)], context: context)
            closing = true
            context.close(promise: nil)
        case 0x9:
            stats.pings += 1
            send(opcode: 0xA, payload: Array(payload), context: context)
        default:
            stats.otherFrames += 1
        }
    }

    /// A client frame: masked, as the protocol requires (with a zero key, which leaves the bytes as
    /// they are).
    private func send(opcode: UInt8, payload: [UInt8], context: ChannelHandlerContext) {
        guard payload.count <= 125 else { return }  // control frames are at most 125 bytes
        var frame = context.channel.allocator.buffer(capacity: payload.count + 6)
        frame.writeInteger(0x80 | opcode)
        frame.writeInteger(0x80 | UInt8(payload.count))
        frame.writeInteger(UInt32(0))
        frame.writeBytes(payload)
        context.writeAndFlush(wrapOutboundOut(frame), promise: nil)
    }

    private func text(_ payload: UnsafeRawBufferPointer, now: Int64) {
        switch FrameScan.kind(payload) {
        case .hello(let position):
            stats.otherFrames += 1
            if !client.helloSeen {
                client.helloSeen = true
                target.progress.ready.add(1, ordering: .relaxed)
            }
            client.expected = (from ?? position) + 1
            client.webhook = -1
        case .reset(let position):
            stats.otherFrames += 1
            client.resets += 1
            if stats.resetReason == nil { stats.resetReason = String(decoding: payload, as: UTF8.self) }
            // The events before the reset's position that this client had not had: lost to it.
            if let expected = client.expected, position + 1 > expected {
                client.skippedByResets += position + 1 - expected
            }
            client.expected = position + 1
            client.webhook = -1
        case .event(let position):
            event(position, payload, now: now)
        case .other:
            stats.otherFrames += 1
        }
    }

    private func event(_ position: UInt64, _ payload: UnsafeRawBufferPointer, now: Int64) {
        stats.eventFrames += 1
        if let expected = client.expected {
            if position < expected {
                client.duplicates += 1
                return
            }
            if position > expected {
                client.gaps += 1
                client.missing += position - expected
            }
        }
        client.expected = position + 1
        client.lastPosition = position
        client.events += 1
        // An append is a run of consecutive positions opened by its `webhook.received`: the
        // facts after it belong to the same webhook (no saga runs in this benchmark).
        if let index = FrameScan.webhookIndex(payload) { client.webhook = index }
        guard client.webhook >= 0 else {
            stats.unattributed += 1
            return
        }
        guard target.window.contains(client.webhook) else { return }
        let acknowledged = target.acknowledgements.time(of: client.webhook)
        if acknowledged == 0 {
            stats.beforeAcknowledgement += 1
            stats.record(latencyNanoseconds: 0, client: client)
        } else {
            stats.record(latencyNanoseconds: now - acknowledged, client: client)
        }
    }
}
