import Foundation
import Glibc
import Histogram
import NIOCore
import NIOPosix

/// Posts the corpus's signed webhooks at a fixed rate (an open loop: webhook i is due at
/// i / rate s after the start, whatever the answers' latency) over keep-alive connections, one
/// request in flight each, and records when each 200 arrived. Lives on one event loop.
final class WebhookSender: @unchecked Sendable {  // touched only on `loop`
    let corpus: Corpus
    let acknowledgements: Acknowledgements
    let rate: Double
    let loop: any EventLoop
    let host: String
    private var idle: [SenderConnection] = []
    private(set) var next = 0
    private var started: Int64 = 0
    private var stopped = true
    private var sentAt: [Int64]
    private(set) var statuses: [Int: Int] = [:]
    /// From writing the request to reading its 200, µs.
    private(set) var answers = Histogram<UInt64>(
        highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .three)
    /// How far behind its due time a webhook went out (no idle connection), µs.
    private(set) var lateness = Histogram<UInt64>(
        highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .three)
    private(set) var inFlight = 0
    private(set) var exhausted = false

    init(corpus: Corpus, acknowledgements: Acknowledgements, rate: Double, loop: any EventLoop, host: String) {
        (self.corpus, self.acknowledgements, self.rate, self.loop, self.host) =
            (corpus, acknowledgements, rate, loop, host)
        sentAt = Array(repeating: 0, count: corpus.count)
    }

    func add(_ connection: SenderConnection) {
        idle.append(connection)
        tick()
    }

    /// Connections the server closed (they are replaced), and where to open new ones.
    private(set) var reconnections = 0
    var port = 0

    func start() {
        started = monotonicNow()
        stopped = false
        loop.scheduleRepeatedTask(initialDelay: .zero, delay: .milliseconds(1)) { _ in self.tick() }
    }

    /// The measured window opens: the answers' figures start again. Returns the next index.
    func openWindow() -> Int {
        answers.reset()
        lateness.reset()
        return next
    }

    /// Stops sending until `resume()` (while the clients connect).
    func pause() { stopped = true }

    /// Sends again at the same rate from the next webhook on, without catching up on the pause.
    func resume() {
        started = monotonicNow() - Int64(Double(next) * 1e9 / rate)
        stopped = false
    }

    /// A connection the server closed: another one takes its place.
    func lost(_ connection: SenderConnection) {
        idle.removeAll { $0 === connection }
        reconnections += 1
        let sender = self
        ClientBootstrap(group: loop)
            .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .connect(host: host, port: port)
            .whenSuccess { channel in
                let connection = SenderConnection(sender: sender, channel: channel)
                try? channel.pipeline.syncOperations.addHandler(connection)
                sender.add(connection)
            }
    }

    /// Stops sending; returns the index of the first webhook not sent.
    func stop() -> Int {
        stopped = true
        return next
    }

    private func tick() {
        guard !stopped, rate > 0 else { return }
        let now = monotonicNow()
        let due = Int(Double(now - started) * rate / 1e9) + 1
        while next < due, !idle.isEmpty {
            guard next < corpus.count else {
                exhausted = true
                return
            }
            let dueAt = started + Int64(Double(next) * 1e9 / rate)
            _ = lateness.record(UInt64(max(0, now - dueAt) / 1000))
            send(next, on: idle.removeLast())
            next += 1
        }
    }

    private func send(_ index: Int, on connection: SenderConnection) {
        let body = corpus.body(index)
        var request = connection.channel.allocator.buffer(capacity: body.count + 300)
        request.writeString(
            "POST /webhook HTTP/1.1\r\nHost: \(host)\r\nContent-Type: application/json\r\nX-Hub-Signature-256: ")
        request.writeBytes(corpus.signature(index))
        request.writeString(
            "\r\nX-Request-Id: feedbench-\(index)\r\nContent-Length: \(body.count)\r\n\r\n")
        request.writeBytes(body)
        sentAt[index] = monotonicNow()
        inFlight += 1
        connection.send(index, request)
    }

    func answered(_ index: Int, status: Int, by connection: SenderConnection) {
        let now = monotonicNow()
        inFlight -= 1
        statuses[status, default: 0] += 1
        if status == 200 {
            acknowledgements.record(index, at: now)
            _ = answers.record(UInt64(max(0, now - sentAt[index]) / 1000))
        }
        idle.append(connection)
        tick()
    }

    /// Opens `count` connections to the webhook port.
    static func connect(_ sender: WebhookSender, port: Int, count: Int) throws {
        try sender.loop.submit { sender.port = port }.wait()
        for _ in 0..<count {
            let channel = try ClientBootstrap(group: sender.loop)
                .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
                .connect(host: sender.host, port: port).wait()
            try sender.loop.submit {
                let connection = SenderConnection(sender: sender, channel: channel)
                try channel.pipeline.syncOperations.addHandler(connection)
                sender.add(connection)
            }.wait()
        }
    }
}

/// One keep-alive connection of the sender: writes a request, reads its answer (status line,
/// headers, a `Content-Length` body), hands it back.
final class SenderConnection: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let sender: WebhookSender
    let channel: any Channel
    private var index = -1
    private var pending: ByteBuffer?

    init(sender: WebhookSender, channel: any Channel) { (self.sender, self.channel) = (sender, channel) }

    func send(_ index: Int, _ request: ByteBuffer) {
        self.index = index
        channel.writeAndFlush(request, promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        var buffer: ByteBuffer
        if var previous = pending.take() {
            previous.writeBuffer(&incoming)
            buffer = previous
        } else {
            buffer = incoming
        }
        while let (status, length) = Self.answer(in: buffer) {
            buffer.moveReaderIndex(forwardBy: length)
            let answered = index
            index = -1
            sender.answered(answered, status: status, by: self)
        }
        if buffer.readableBytes > 0 { pending = buffer }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if index >= 0 { sender.answered(index, status: -1, by: self) }
        index = -1
        sender.lost(self)
    }

    /// The status and the whole length of the first complete answer in `buffer`, if there is one.
    static func answer(in buffer: ByteBuffer) -> (status: Int, length: Int)? {
        let view = buffer.readableBytesView
        guard let end = view.firstRange(of: [13, 10, 13, 10]) else { return nil }
        let head = String(decoding: view[view.startIndex..<end.lowerBound], as: UTF8.self).lowercased()
        let status = Int(head.dropFirst(9).prefix(3)) ?? -1
        var bodyLength = 0
        for line in head.split(separator: "\r\n") where line.hasPrefix("content-length:") {
            bodyLength = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) ?? 0
        }
        let total = end.upperBound - view.startIndex + bodyLength
        return buffer.readableBytes >= total ? (status, total) : nil
    }
}
