import Foundation
import Testing
@testable import Analytics
@testable import AnalyticsQueries
@testable import AnalyticsStorage

/// A name no stored row has gives a warning with the closest known name, or an error with `--strict-names`.
@Suite("Unknown names")
struct NameCheckTests {
    func fixture() throws -> Fixture {
        let fixture = try Fixture()
        try fixture.events(["\(t(0)),u1,page_view,/checkout/pay,email,mobile,spring",
                            "\(t(0, 30)),u1,product_view,/p,email,mobile,spring",
                            "\(t(1)),u1,add_to_cart,/cart,email,mobile,spring", "\(t(1, 30)),u1,checkout,/checkout/pay"])
        try fixture.orders(["o1,\(t(2)),u1,10"])
        return fixture
    }

    @Test("event types, roles, page globs, touchpoint and --where values of a journey")
    func journey() throws {
        let check = try NameCheck(database: try fixture().database)
        let journey = JourneyDefinition(name: "j", windowMilliseconds: 1, stages: [
            StageDefinition(name: "visit", events: ["page_view", "sign_up"]),
            StageDefinition(name: "cart", events: ["add_to_kart"], page: "/chekout*", channel: "emial"),
            StageDefinition(name: "pay", events: ["order"], page: "/checkout/*", device: "mobile",
                            filters: [try FieldFilter(parsing: "campaign=sprng,spring")]),
        ])
        #expect(check.journey(journey).map(\.description) == [
            "stage visit: no event type 'sign_up' in the database",
            "stage cart: no event type 'add_to_kart' in the database; did you mean 'add_to_cart'?",
            "stage cart: no page matching '/chekout*' in the database",
            "stage cart channel: no value 'emial' in the database; did you mean 'email'?",
            "stage pay campaign=sprng,spring: no value 'sprng' in the database; did you mean 'spring'?",
        ])
        // Roles: `order` is known through orders; `page_view` through its own type; numbers are not names.
        #expect(check.eventTypes(["order", "page_view"], context: "--start").isEmpty)
        #expect(check.filters([try FieldFilter(parsing: "price>10"), try FieldFilter(parsing: "page~/x*")]).isEmpty)
    }

    @Test("the commands warn on stderr and still answer; --strict-names refuses with exit 65")
    func commands() throws {
        let fixture = try fixture()
        let db = fixture.directory.path("fixture.sqlite")
        try fixture.database.close()
        let warned = try CLI.run(["paths", "--db", db, "--start", "add_to_kart", "--format", "csv"])
        #expect(warned.status == 0)
        #expect(warned.stdout == "rank,actors,share,path\n")
        #expect(warned.stderr == "warning: --start: no event type 'add_to_kart' in the database; did you mean 'add_to_cart'?\n")
        let refused = try CLI.run(["retention", "--db", db, "--return", "ordr", "--strict-names"])
        #expect(refused.status == 65)
        #expect(refused.stdout.isEmpty)
        #expect(refused.stderr.contains("--return: no event type 'ordr' in the database; did you mean 'order'?"))
        let funnel = try CLI.run(["funnel", "--db", db, "--where", "channel=emial", "--format", "json"])
        #expect(funnel.status == 0)
        #expect(funnel.stderr.contains("warning: --where channel=emial: no value 'emial'"))
        let clean = try CLI.run(["funnel", "--db", db, "--where", "channel=email", "--journey",
                                 ArchitectureTests.packageRoot.appending(path: "SampleData/journeys/checkout.yaml").path])
        #expect(clean.status == 0)
        #expect(!clean.stderr.contains("warning"), "\(clean.stderr)")
    }
}
