import Foundation
import Testing

/// The sample report in a real browser (headless Chromium): at 1280 and 400 CSS pixels wide, the page
/// must not scroll sideways at 400 px (`document.documentElement.scrollWidth <= 400`: wide tables scroll
/// inside their box, charts shrink) and must log no error (its inline script included).
///
/// Headless Chromium lays a window out at least 500 px wide, so the report is loaded in an iframe of
/// exactly the width under test (`srcdoc`, so the host page may read it); a script injected at the top
/// of the report records errors (`error` events and `console.error`), and the host writes the
/// measurements into its DOM, which `--dump-dom` prints. Skipped when `chromium` is not on the PATH
/// (CI installs it: `apt-get install -y chromium`).
@Suite("Report in a browser")
struct BrowserTests {
    static let chromium: String? = {
        for folder in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let path = "\(folder)/chromium"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }()

    struct Measurement {
        var scrollWidth: Int
        var viewport: Int
        var errors: [String]
        var sortableHeaders: Int
        var raw: String
    }

    @Test("the sample report at 1280 and 400 px: no horizontal overflow at 400 px, no console errors",
          .enabled(if: chromium != nil, "chromium is not on the PATH (apt-get install -y chromium); browser check skipped"),
          arguments: [[],
                      // An optional stage, an exclusion and the time-to-convert histograms.
                      ["--journey", sampleData.appending(path: "journeys/checkout-focused.yaml").path, "--time-to-convert"]])
    func sampleReportInChromium(options: [String]) throws {
        let directory = TemporaryDirectory()
        let out = directory.path("report.html")
        let run = try CLI.run(["report", sampleData.path, "--db", directory.path("browser.sqlite"), "--out", out] + options,
                              in: directory.url)
        try #require(run.status == 0, "analytics report failed: \(run.stderr)")
        let html = try String(contentsOfFile: out, encoding: .utf8)
        if options.contains("--time-to-convert") {
            // One histogram per required stage after the first (cart, order), the optional stage marked.
            #expect(html.components(separatedBy: "class=\"chart histogram\"").count - 1 == 2)
            #expect(html.contains("checkout (optional)") && html.contains("Excluding search between cart and order"))
        }
        for width in [1280, 400] {
            let measurement = try measure(html, width: width, in: directory)
            #expect(measurement.viewport == width,
                    "the report was laid out \(measurement.viewport) px wide, not \(width) (\(measurement.raw))")
            #expect(measurement.errors.isEmpty, "console errors at \(width) px: \(measurement.errors)")
            #expect(measurement.sortableHeaders > 0, "the report's script did not run at \(width) px (\(measurement.raw))")
            if width == 400 {
                let hint = "at 400 px the page is \(measurement.scrollWidth) px wide: something overflows (a table outside "
                    + "div.scroll, an SVG without width=100%, a long word); render it with "
                    + "scripts/render-report.sh report.html shot.png 400 to see it"
                #expect(measurement.scrollWidth <= 400, "\(hint)")
            }
        }
    }

    /// Loads the report in an iframe `width` px wide and reads what the page measured.
    private func measure(_ report: String, width: Int, in directory: TemporaryDirectory) throws -> Measurement {
        let recorder = """
            <script>window.__errors = []; window.addEventListener("error", function (e) { window.__errors.push(String(e.message)); });
            (function () { var original = console.error; console.error = function () {
              window.__errors.push(Array.prototype.join.call(arguments, " ")); original.apply(console, arguments); }; })();</script>
            """
        let page = report.replacingOccurrences(of: "<head>", with: "<head>\n" + recorder)
        let escaped = page.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "\"", with: "&quot;")
            .replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
        let host = """
            <!DOCTYPE html><html><head><meta charset="utf-8"/><style>body { margin: 0 } iframe { border: 0; display: block }</style></head>
            <body><iframe id="report" style="width: \(width)px; height: 3000px" srcdoc="\(escaped)"></iframe>
            <script>window.addEventListener("load", function () {
              var frame = document.getElementById("report"), doc = frame.contentDocument, win = frame.contentWindow;
              var result = { scrollWidth: doc.documentElement.scrollWidth, viewport: win.innerWidth,
                             errors: win.__errors || ["the error recorder did not run"],
                             sortable: doc.querySelectorAll("th[aria-sort]").length };
              var pre = document.createElement("pre"); pre.id = "measurement"; pre.textContent = JSON.stringify(result);
              document.body.appendChild(pre);
            });</script></body></html>
            """
        let path = try directory.write("host-\(width).html", host)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(Self.chromium))
        process.arguments = ["--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                             "--window-size=\(max(width, 500)),3000", "--dump-dom", URL(fileURLWithPath: path).absoluteString]
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // Read before waiting (the DOM is larger than a pipe's buffer); give up after 60 s.
        let deadline = DispatchTime.now() + 60
        let timer = DispatchQueue.global()
        timer.asyncAfter(deadline: deadline) { if process.isRunning { process.terminate() } }
        let dom = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let log = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard let start = dom.range(of: "<pre id=\"measurement\">"),
              let end = dom.range(of: "</pre>", range: start.upperBound..<dom.endIndex) else {
            let tail = log.split(separator: "\n").suffix(15).joined(separator: "\n")
            Issue.record("Chromium printed no measurement at \(width) px (exit \(process.terminationStatus)); its log:\n\(tail)")
            return Measurement(scrollWidth: 0, viewport: width, errors: [], sortableHeaders: 1, raw: "")
        }
        let json = String(dom[start.upperBound..<end.lowerBound]).replacingOccurrences(of: "&quot;", with: "\"")
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&amp;", with: "&")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any], "\(json)")
        return Measurement(scrollWidth: object["scrollWidth"] as? Int ?? Int.max, viewport: object["viewport"] as? Int ?? 0,
                           errors: object["errors"] as? [String] ?? ["unreadable: \(json)"],
                           sortableHeaders: object["sortable"] as? Int ?? 0, raw: json)
    }
}
