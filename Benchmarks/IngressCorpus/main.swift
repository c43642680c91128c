// Writes signed webhooks for the ingestion load benchmark: one per line, `signature<TAB>body`.
// Usage: IngressCorpus SECRET COUNT > corpus.tsv
import Adapters
import ClickUnlockTesting
import Domain
import Foundation

let arguments = CommandLine.arguments
guard arguments.count == 3, let count = Int(arguments[2]) else {
    FileHandle.standardError.write(Data("usage: IngressCorpus SECRET COUNT > corpus.tsv\n".utf8))
    exit(64)
}
let signature = WebhookSignature(appSecret: arguments[1])
var traffic = SampleTraffic(seed: 4242)
var out = Data()
let now = Int64(Date().timeIntervalSince1970 * 1000)
for index in 0..<count {
    let body = traffic.next(receivedAt: now + Int64(index)).body
    out.append(Data(signature.header(for: body).utf8))
    out.append(0x09)
    out.append(Data(body))
    out.append(0x0A)
}
FileHandle.standardOutput.write(out)
