import Adapters
import EventStore

/// Background compaction of the log's sealed segments (`LogCompactionService`).
struct CompactionConfiguration {
    var service = LogCompactionService.Configuration()
    /// Zstandard level of the rewritten batches when the codec is zstd (LZ4 HC always uses 12).
    var zstdLevel = CompactionCodec.zstd.defaultLevel

    /// The service's configuration with the level of the chosen codec.
    var effectiveService: LogCompactionService.Configuration {
        var service = service
        service.options.level = service.options.codec == .zstd ? zstdLevel : 0
        return service
    }
}
