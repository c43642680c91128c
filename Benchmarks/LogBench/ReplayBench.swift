import BenchSupport
import ClickUnlockTesting
import Domain
import EventStore
import Foundation

struct ReplayResult {
    var events: Int
    var eventsPerSecond: Double
    var uncompressedMBps: Double
    var diskMBps: Double
    var rawReadMBps: Double
}

enum ReplayBench {
    /// Writes a log of about `events` events (sync off, 64 appenders), then reads it all back.
    static func run(corpus: Corpus, events target: Int, repeats: Int, root: String) -> ReplayResult {
        let directory = root + "/replay"
        let log = try! EventLog.open(
            directory: directory,
            configuration: .init {
                $0.durability = .unsafeNone
                $0.compressionDictionary = SampleTraffic.compressionDictionary()
            })
        let appends = Int(Double(target) / corpus.eventsPerWebhook)
        try! blocking {
            await withTaskGroup(of: Void.self) { group in
                for task in 0..<64 {
                    group.addTask {
                        var index = task
                        while index < appends {
                            _ = try! await log.append(corpus.webhooks[index % corpus.webhooks.count].events)
                            index += 64
                        }
                    }
                }
            }
            await log.close()
        }
        let stats = try! LogReader.open(directory: directory).stats()
        var rates: [Double] = []
        var byteRates: [Double] = []
        var diskRates: [Double] = []
        var rawRates: [Double] = []
        var count = 0
        for _ in 0..<repeats {
            let clock = ContinuousClock()
            let started = clock.now
            let reader = try! LogReader.open(directory: directory)
            var iterator = reader.events(from: 1).makeAsyncIterator()
            count = 0
            var bytes = 0
            while let batch = try! iterator.nextBatch() {
                count += batch.count
                for event in batch {
                    bytes +=
                        event.data.count + event.attachment.count + event.type.utf8.count + event.stream.utf8.count + 24
                }
            }
            let elapsed = seconds(clock.now - started)
            rates.append(Double(count) / elapsed)
            byteRates.append(Double(bytes) / elapsed / 1e6)
            diskRates.append(Double(stats.bytesOnDisk) / elapsed / 1e6)
            rawRates.append(rawRead(directory))
        }
        try? FileManager.default.removeItem(atPath: directory)
        return ReplayResult(
            events: count, eventsPerSecond: median(rates), uncompressedMBps: median(byteRates),
            diskMBps: median(diskRates), rawReadMBps: median(rawRates))
    }

    /// Reads every segment file in 1 MiB chunks (from the page cache, like the replay).
    private static func rawRead(_ directory: String) -> Double {
        let files =
            (try? FileManager.default.contentsOfDirectory(atPath: directory))?.filter { $0.hasSuffix(".seg") } ?? []
        let clock = ContinuousClock()
        let started = clock.now
        var total = 0
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        for file in files {
            let fd = open(directory + "/" + file, O_RDONLY)
            while true {
                let got = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if got <= 0 { break }
                total += got
            }
            close(fd)
        }
        return Double(total) / seconds(clock.now - started) / 1e6
    }
}
