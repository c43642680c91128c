// The live feed under load (issue 16): N WebSocket clients on loopback to a running
// `clickunlock serve` while signed webhooks arrive at a fixed rate. Per event frame, the time from
// its webhook's 200 to its arrival at each client; gaps and duplicates per client; frames/s; the
// server's RSS with no client and with N. `Benchmarks/feed-load.sh` starts the server and runs it.
import BenchSupport
import Foundation
import Histogram
import NIOCore
import NIOPosix

let options: Options
let corpus: Corpus
do {
    options = try Options(CommandLine.arguments.dropFirst())
    corpus = try Corpus(path: options.corpus)
} catch {
    FileHandle.standardError.write(Data("FeedBench: \(error)\n".utf8))
    exit(64)
}

func sleep(seconds: Double) { usleep(UInt32(max(0, seconds) * 1e6)) }

let pid = options.serverPID
let acknowledgements = Acknowledgements(count: corpus.count)
let window = MeasuredWindow()
let progress = ConnectProgress()
let senderGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
let senderLoop = senderGroup.next()
let sender = WebhookSender(
    corpus: corpus, acknowledgements: acknowledgements, rate: options.rate, loop: senderLoop, host: options.host)
do {
    try WebhookSender.connect(sender, port: options.webhookPort, count: options.senders)
} catch {
    FileHandle.standardError.write(Data("FeedBench: cannot connect to the webhook port: \(error)\n".utf8))
    exit(69)
}
senderLoop.execute { sender.start() }

// 1. Warm-up with no client: the baseline RSS under the same webhook load.
sleep(seconds: options.warmup)
let rssNone = ProcessStats.status(pid)

// 2. The clients connect (at most 250 handshakes in flight), the webhooks paused meanwhile: under
// load 1,000 handshakes took 51 s, and the run is about receiving, not connecting.
let clientGroup = MultiThreadedEventLoopGroup(numberOfThreads: max(1, options.threads))
let loops = Array(clientGroup.makeIterator())
let loopStats = loops.map { _ in LoopStats() }
let target = FeedTarget(
    host: options.host, port: options.feedPort, path: options.feedPath, token: options.token,
    acknowledgements: acknowledgements, window: window, progress: progress)
if options.clients > 0 { try! senderLoop.submit { sender.pause() }.wait() }
let connectStart = monotonicNow()
for index in 0..<options.clients {
    while index - progress.ready.load(ordering: .relaxed) - progress.failed.load(ordering: .relaxed) >= 250 {
        usleep(1000)
    }
    let (loop, stats, client) = (loops[index % loops.count], loopStats[index % loops.count], ClientState(id: index))
    loop.execute {
        stats.clients.append(client)
        connectClient(client, stats: stats, loop: loop, target: target, from: nil)
    }
}
while progress.ready.load(ordering: .relaxed) + progress.failed.load(ordering: .relaxed) < options.clients,
    monotonicNow() - connectStart < 120_000_000_000
{
    usleep(10_000)
}
let connectSeconds = Double(monotonicNow() - connectStart) / 1e9
let rssConnected = ProcessStats.status(pid)
if options.clients > 0 {
    try! senderLoop.submit { sender.resume() }.wait()
    sleep(seconds: options.settle)
}

// 3. The measured window.
struct Counters {
    var eventFrames = 0, otherFrames = 0, bytes = 0
}
func counters() -> Counters {
    loops.indices.reduce(into: Counters()) { total, index in
        let stats = loopStats[index]
        let part = try! loops[index].submit { (stats.eventFrames, stats.otherFrames, stats.bytes) }.wait()
        total.eventFrames += part.0
        total.otherFrames += part.1
        total.bytes += part.2
    }
}
let firstMeasured = try! senderLoop.submit { sender.openWindow() }.wait()
window.open(at: firstMeasured)
let windowStart = monotonicNow()
let (serverCPU0, threads0, ownCPU0, counters0) =
    (ProcessStats.cpuSeconds(pid) ?? 0, ProcessStats.threadCPU(pid), ProcessStats.ownCPUSeconds(), counters())
let machineBusy0 = ProcessStats.machineBusySeconds()
sleep(seconds: options.seconds)
let endMeasured = try! senderLoop.submit { sender.stop() }.wait()
window.close(at: endMeasured)
let windowSeconds = Double(monotonicNow() - windowStart) / 1e9
let (serverCPU1, threads1, ownCPU1, counters1) =
    (ProcessStats.cpuSeconds(pid) ?? 0, ProcessStats.threadCPU(pid), ProcessStats.ownCPUSeconds(), counters())
let machineBusy1 = ProcessStats.machineBusySeconds()
let (rssEnd, rssPeak) = (ProcessStats.status(pid), ProcessStats.status(pid, "VmHWM"))

// 4. The drain: the last answers, then every client up to the same last position (stable for 1 s).
let drainStart = monotonicNow()
func drainLeft() -> Bool { Double(monotonicNow() - drainStart) / 1e9 < options.drain }
while try! senderLoop.submit({ sender.inFlight }).wait() > 0, drainLeft() { usleep(10_000) }
func positions() -> (lowest: UInt64, highest: UInt64) {
    loops.indices.reduce(into: (UInt64.max, UInt64(0))) { total, index in
        let stats = loopStats[index]
        let part = try! loops[index].submit {
            stats.clients.filter(\.connected).reduce(into: (UInt64.max, UInt64(0))) {
                $0 = (min($0.0, $1.lastPosition), max($0.1, $1.lastPosition))
            }
        }.wait()
        total = (min(total.0, part.0), max(total.1, part.1))
    }
}
var (stableSince, lastHighest) = (monotonicNow(), UInt64(0))
while options.clients > 0, drainLeft() {
    let (lowest, highest) = positions()
    if highest != lastHighest { (stableSince, lastHighest) = (monotonicNow(), highest) }
    if lowest == highest, monotonicNow() - stableSince > 1_000_000_000 { break }
    usleep(100_000)
}
progress.stopping.store(true, ordering: .relaxed)

// 5. The figures, then every client closed politely (1000).
let loopSummaries = loops.indices.map { index in
    let stats = loopStats[index]
    return try! loops[index].submit { LoopSummary(stats) }.wait()
}
for index in loops.indices {
    let stats = loopStats[index]
    try? loops[index].submit {
        for client in stats.clients {
            guard let channel = client.channel else { continue }
            var frame = channel.allocator.buffer(capacity: 8)
            frame.writeBytes([0x88, 0x82, 0, 0, 0, 0, 0x03, 0xE8])
            channel.writeAndFlush(frame).whenComplete { _ in channel.close(promise: nil) }
        }
    }.wait()
}
let senderSummary = try! senderLoop.submit {
    SenderSummary(
        answers: sender.answers, lateness: sender.lateness, statuses: sender.statuses, exhausted: sender.exhausted,
        reconnections: sender.reconnections, sent: endMeasured - firstMeasured,
        acknowledged: (firstMeasured..<endMeasured).filter { acknowledgements.time(of: $0) != 0 }.count)
}.wait()
let report = Report(
    clientCount: options.clients, rate: options.rate, windowSeconds: windowSeconds, connectSeconds: connectSeconds,
    ready: progress.ready.load(ordering: .relaxed), sender: senderSummary, loops: loopSummaries,
    eventFrames: counters1.eventFrames - counters0.eventFrames, bytes: counters1.bytes - counters0.bytes,
    rssNone: rssNone, rssConnected: rssConnected, rssEnd: rssEnd, rssPeak: rssPeak,
    serverCores: (serverCPU1 - serverCPU0) / windowSeconds,
    serverThreads: threads1.map { ($0.key, ($0.value - (threads0[$0.key] ?? 0)) / windowSeconds) }
        .filter { $0.1 >= 0.01 }.sorted { $0.1 > $1.1 }.prefix(8).map { $0 },
    toolCores: (ownCPU1 - ownCPU0) / windowSeconds, machineCores: (machineBusy1 - machineBusy0) / windowSeconds)
report.print()
usleep(200_000)
exit(0)
