public import Domain
public import EventStore

/// Turns undecided clicks into `delivery.started` or `delivery.skipped` events, each decision
/// seeing the ones before it (so two taps in one batch still start one delivery).
public struct ClickDecider: Sendable {
    public var manifest: ContentManifest
    public var settings: SagaSettings

    public init(manifest: ContentManifest, settings: SagaSettings) {
        self.manifest = manifest
        self.settings = settings
    }

    /// The deterministic id of the delivery a click starts.
    public static func deliveryId(forClick wamid: String) -> String {
        let hex = String(fnv1a64(wamid), radix: 16)
        return "dlv-" + String(repeating: "0", count: 16 - hex.count) + hex
    }

    public func decide(_ clicks: [ButtonClicked], state: SagaState, now: Int64) -> [NewEvent] {
        // Decisions of this call, beside the state's (copying the state's sets would cost their
        // whole size per call: quadratic over a backlog decided click by click).
        var contexts: Set<String> = []
        var packs: Set<String> = []
        var events: [NewEvent] = []
        let maxAge = settings.clickMaxAge.inMilliseconds
        for click in clicks where !state.isDecided(click.wamid) {
            let contact = click.sender.contactKey
            func skip(_ reason: DeliverySkipped.Reason, _ detail: String) {
                events.append(
                    DeliverySkipped(
                        clickWamid: click.wamid, contact: contact, payload: click.payload, reason: reason,
                        detail: detail
                    )
                    .newEvent())
            }
            guard click.authorized else {
                skip(.unauthorized, "the contact is not on the authorized-contacts list")
                continue
            }
            let number = click.sender.phoneNumberId ?? settings.phoneNumberId
            guard settings.sendsFrom(number) else {
                skip(
                    .unknownNumber,
                    "the tap reached business number \(EventScreen.printable(number)), "
                        + "which this service does not send from"
                )
                continue
            }
            guard let pack = manifest.resolve(payload: click.payload) else {
                skip(.noPack, "no content pack in the manifest matches the payload")
                continue
            }
            if let tappedAt = click.tappedAtMilliseconds, now - tappedAt > maxAge {
                skip(.stale, "the tap is older than \(maxAge / 3_600_000) hours; the 24-hour window has closed")
                continue
            }
            if let context = click.contextId, state.startedContexts.contains(context) || contexts.contains(context) {
                skip(.repeatedClick, "a tap on the same template message already started a delivery")
                continue
            }
            let packKey = contact + "|" + pack.name
            if settings.oncePerContactAndPack, state.packsByContact.contains(packKey) || packs.contains(packKey) {
                skip(
                    .alreadyDelivered, "pack \(pack.name) was already delivered, or is being delivered, to this contact"
                )
                continue
            }
            if let context = click.contextId { contexts.insert(context) }
            packs.insert(packKey)
            events.append(
                DeliveryStarted(
                    deliveryId: Self.deliveryId(forClick: click.wamid), contact: contact, pack: pack.name,
                    steps: pack.items.count, clickWamid: click.wamid, items: pack.items,
                    phoneNumberId: click.sender.phoneNumberId, contextId: click.contextId
                ).newEvent())
        }
        return events
    }
}
