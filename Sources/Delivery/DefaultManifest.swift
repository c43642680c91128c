/// The pack shipped for the demo: 3 chart images and 3 analysis texts for the day's button
/// payload `unlock:{date}`. `clickunlock demo` writes it to its data directory.
public enum DefaultManifest {
    public static let yaml = """
        # ClickUnlock content manifest: which messages a tap on the daily template's button unlocks.
        # A pack matches the button payload exactly, or through one {date} placeholder (YYYY-MM-DD),
        # which is also filled in the pack name, captions and text bodies. Items go out in order.
        # An image has exactly one of `link` (public http(s) URL) or `id` (uploaded media id).
        packs:
          - name: daily-{date}
            payload: unlock:{date}
            items:
              - type: image
                link: https://content.clickunlock.example/{date}/market-overview.jpg
                caption: "Market overview, {date} (1/3)"
              - type: text
                body: "Analysis 1/3: equities closed the session with breadth improving across sectors;
                  we keep the overweight on quality."
              - type: image
                link: https://content.clickunlock.example/{date}/rates-curve.jpg
                caption: "Rates curve, {date} (2/3)"
              - type: text
                body: "Analysis 2/3: the curve steepened; duration stays neutral
                  while the short end prices the next cut."
              - type: image
                link: https://content.clickunlock.example/{date}/fx-heatmap.jpg
                caption: "FX heatmap, {date} (3/3)"
              - type: text
                body: "Analysis 3/3: the dollar softened against majors;
                  hedge ratios for client portfolios stay unchanged."

        """
}
