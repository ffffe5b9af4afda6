import AnalyticsCore

extension ConversionReport {
    /// Every number of the report, for other tools.
    public var json: JSONValue {
        guard case .object(let fields) = baseJSON else { return baseJSON }
        return .object(fields + addedJSON)
    }

    private var baseJSON: JSONValue {
        .object([
            ("title", .string("Stage conversion report: \(options.journey.name)")),
            ("period", range(period)),
            ("comparison_period", comparisonPeriod.map(range) ?? .null),
            ("filters", .array(options.filters.map { .string($0.text) })),
            ("headline", .array(headline.map { item in
                .object([("metric", .string(item.name)), ("value", .number(item.value)),
                         ("previous", .number(item.previous)), ("change", .number(item.change))])
            })),
            ("funnel", funnel.json),
            ("pain_points", .object([
                ("correction", .string("holm")), ("alpha", .number(options.alpha)),
                ("minimum_group_size", .integer(Int64(options.minimumGroupSize))),
                ("tests", .integer(Int64(testsRun))),
                ("stages", .array(leaks.map { leak in
                    .object([
                        ("stage", .string(leak.stage)), ("users_lost", .integer(Int64(leak.lost))),
                        ("conversion_from_previous", .number(leak.rate)),
                        ("groups", .array(leak.tested.map { point in
                            .object([
                                ("dimension", .string(point.dimension.rawValue)), ("value", .string(point.value)),
                                ("users_at_previous_stage", .integer(Int64(point.trials))),
                                ("users_converted", .integer(Int64(point.successes))),
                                ("rate", .number(point.rate)), ("rest_rate", .number(point.restRate)),
                                ("z", .number(point.z)), ("p", .number(point.p)), ("p_adjusted", .number(point.adjustedP)),
                                ("significantly_worse", .bool(point.significant)),
                                ("users_lost", .number(point.usersLost)), ("revenue_lost", .number(point.revenueLost)),
                            ])
                        })),
                    ])
                })),
            ])),
            ("touchpoints_by_channel", kpisByChannel.json),
            ("touchpoints_by_device", kpisByDevice.json),
            ("stage_by_touchpoint", matrix.json),
            ("trend", trend.json),
            ("comparison", comparison.map { result in
                .object([
                    ("a", .string(result.labelA)), ("b", .string(result.labelB)),
                    ("stages", .array(result.stages.map { stage in
                        .object([
                            ("stage", .string(stage.stage)),
                            ("a_users_at_previous_stage", .integer(Int64(stage.trialsA))),
                            ("a_users_converted", .integer(Int64(stage.successesA))), ("a_rate", .number(stage.rateA)),
                            ("b_users_at_previous_stage", .integer(Int64(stage.trialsB))),
                            ("b_users_converted", .integer(Int64(stage.successesB))), ("b_rate", .number(stage.rateB)),
                            ("difference", .number(stage.difference)), ("ci_low", .number(stage.ciLow)),
                            ("ci_high", .number(stage.ciHigh)), ("p", .number(stage.p)),
                            ("verdict", .string(stage.verdict.rawValue)),
                        ])
                    })),
                ])
            } ?? .null),
            ("provenance", .object([
                ("journey", .string(options.journey.name)),
                ("window_seconds", .integer(options.journey.windowMilliseconds / 1000)),
                ("stages", .array(options.journey.stages.map { .string($0.name) })),
                ("session_timeout_seconds", .integer(sessionTimeoutMilliseconds / 1000)),
                ("engine_version", .string(engineVersion)),
                ("imports", .array(imports.map { entry in
                    .object([("file", .string(entry.path)), ("sha256", .string(entry.sha256)),
                             ("kind", .string(entry.kind)), ("rows_imported", .integer(entry.rowsImported))])
                })),
            ])),
            // The analyses below are null when they have no data (as the report leaves out their sections).
            ("paths", pathsJSON),
            ("retention", retention?.json ?? JSONValue.null),
            ("attribution", attribution?.json ?? JSONValue.null),
        ])
    }

    /// The path reports after the entry stage and after the stage before the worst drop-off (each null
    /// without data; null when neither has any).
    private var pathsJSON: JSONValue {
        guard entryPaths != nil || dropOffPaths != nil else { return .null }
        let worst: String? = worstStageIndex.map { funnel.stages[$0].stage }
        return .object([
            ("entry", entryPaths?.json ?? .null),
            ("worst_drop_off_stage", .string(worst)),
            ("before_worst_drop_off", dropOffPaths?.json ?? .null),
        ])
    }

    /// Keys added with issue 18, after every earlier one (those are unchanged).
    private var addedJSON: [(String, JSONValue)] {
        let currency: JSONValue = .object([
            ("code", .string(ReportText.currency(self))),
            ("mixed", .bool(ReportText.mixedCurrencies(self))),
            ("note", .string(ReportText.currencyNote(self))),
            ("by_currency", .array(currencies.map { total in
                .object([("currency", .string(total.code)), ("orders", .integer(Int64(total.orders))),
                         ("revenue", .number(total.revenue))])
            })),
        ])
        let periods: [JSONValue] = ReportText.trendPeriods(self).map { period in
            .object([("cohort", .string(period.group?.value)), ("label", .string(period.label)),
                     ("users", .integer(Int64(period.group?.stages.first?.reached ?? 0))),
                     ("clipped", .bool(period.clipped)), ("open", .bool(period.open))])
        }
        return [
            ("worst_stage", worstStageJSON),
            ("currency", currency),
            ("trend_periods", .array(periods)),
            ("trend_minimum_users", .integer(Int64(Self.trendMinimumActors))),
            ("incomplete_periods", .array(ReportText.incompletePeriods(self).map { .string($0) })),
        ]
    }

    /// The worst stage (`worstStageIndex`): the stage losing the most users.
    private var worstStageJSON: JSONValue {
        guard let worst = worstStageIndex else { return .null }
        let stage = funnel.stages[worst]
        return .object([("stage", .string(stage.stage)), ("users_lost", .integer(Int64(stage.dropped))),
                        ("drop_off_rate", .number(stage.dropOffRate)),
                        ("rule", .string("the stage losing the most users (dropped); the earlier one on a tie"))])
    }

    private func range(_ range: TimeRange) -> JSONValue {
        .object([("from", .string(range.fromText)), ("to", .string(range.toText))])
    }
}
