import AnalyticsCore
import AnalyticsStorage

/// The revenue of a period's orders in one currency (`currency_id` of the orders, labels of kind
/// `currency`); `code` is nil for orders without a currency. Amounts in different currencies are
/// never added up.
package struct CurrencyTotal: Sendable, Equatable {
    package var code: String?
    package var orders: Int
    /// Revenue of the orders that count toward revenue (status empty or `completed`).
    package var revenue: Double

    package init(code: String?, orders: Int, revenue: Double) {
        self.code = code
        self.orders = orders
        self.revenue = revenue
    }

    /// The orders-file orders placed in `range` and their revenue, by currency (largest revenue first).
    /// - Throws: `SQLiteError`.
    package static func totals(_ database: Database, _ range: TimeRange) throws -> [CurrencyTotal] {
        try database.query("""
            SELECT c.value, count(*),
                   total(CASE WHEN s.value IS NULL OR s.value = '' OR lower(s.value) = 'completed' THEN o.revenue END)
            FROM orders AS o
            LEFT JOIN labels AS c ON c.id = o.currency_id
            LEFT JOIN labels AS s ON s.id = o.status_id
            WHERE o.ts >= ? AND o.ts < ?
            GROUP BY c.value ORDER BY 3 DESC, 1
            """, [.integer(range.lower), .integer(range.upper)]) { row in
            let code = row.stringOrNil(0)
            return CurrencyTotal(code: code?.isEmpty == true ? nil : code, orders: row.int(1), revenue: row.double(2))
        }
    }
}
