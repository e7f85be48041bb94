{#- The typed half of staging for the two tables that incremental builds
    judge row by row (docs/incremental.md): from a relation of staged text
    (the `cleaned` CTE of stg_billing__invoice_line_items and
    stg_billing__users), every contract column cast by the contract's
    strict casts, the original text, and the contract checks on the row
    alone. Written once, here: staging applies it to every row, and on an
    incremental run int_<table>_checked applies it only to the rows it
    judges again (a join that chose them from the staging view would come
    after DuckDB had cast every row). `carry` lists columns of the relation
    passed through as they are. -#}

{% macro typed_invoice_line_items(relation, carry=[]) %}
{%- set typed_period_start = arpu.strict_cast('period_start_raw', 'date') -%}
{%- set typed_period_end = arpu.strict_cast('period_end_raw', 'date') -%}
{%- set typed_committed = arpu.strict_cast('is_committed_raw', 'boolean') -%}
    select
        {%- for column in carry %}
        {{ column }},
        {%- endfor %}

        ---------- ids
        line_item_id,
        invoice_id,
        account_id,
        subscription_id,
        plan_id,

        ---------- strings
        charge_type,
        currency,
        invoice_status,

        ---------- numerics
        {{ arpu.strict_cast('amount_raw', 'decimal') }} as amount,
        coalesce(
            {{ arpu.strict_cast('discount_amount_raw', 'decimal') }}, 0
        ) as discount_amount,
        coalesce({{ arpu.strict_cast('quantity_raw', 'integer') }}, 1) as quantity,

        ---------- booleans
        coalesce({{ typed_committed }}, false) as is_committed,
        -- metrics.md section 1: committed usage is recurring revenue.
        coalesce(
            charge_type = 'recurring'
            or (charge_type = 'usage' and {{ typed_committed }}),
            false
        ) as is_recurring,

        ---------- dates
        {{ typed_period_start }} as period_start,
        {{ typed_period_end }} as period_end,
        {{ arpu.strict_cast('invoice_date_raw', 'date') }} as invoice_date,

        ---------- timestamps
        coalesce(
            {{ arpu.strict_cast('updated_at_raw', 'timestamp') }},
            cast(
                {{ arpu.strict_cast('invoice_date_raw', 'date') }}
                as {{ dbt.type_timestamp() }}
            )
        ) as updated_at,

        ---------- original text of the cast columns, for the quarantine
        amount_raw,
        discount_amount_raw,
        quantity_raw,
        is_committed_raw,
        period_start_raw,
        period_end_raw,
        invoice_date_raw,
        updated_at_raw,

        ---------- what the input's mapping found (Stripe), for the checks
        ---------- below, and the row's fingerprint (incremental runs)
        source_reasons,
        source_fingerprint,

        ---------- contract checks on the row alone
        {{ arpu.reason_codes([
            ("charge_type not in ('recurring', 'usage', 'one_time', 'tax')",
             'unknown_charge_type'),
            ("invoice_status not in ('paid', 'open', 'void', 'uncollectible')",
             'unknown_invoice_status'),
            ('(period_start_raw is null) != (period_end_raw is null)',
             'partial_service_period'),
            (typed_period_end ~ ' <= ' ~ typed_period_start,
             'service_period_not_positive'),
            ("(charge_type = 'recurring' or (charge_type = 'usage' and "
             ~ typed_committed ~ ")) and period_start_raw is null"
             ~ " and period_end_raw is null",
             'recurring_without_service_period'),
            (arpu.strict_cast('discount_amount_raw', 'decimal') ~ ' < 0',
             'negative_discount_amount'),
            (arpu.is_money_out_of_range(arpu.strict_cast('amount_raw', 'decimal')),
             'amount_out_of_range'),
            (arpu.is_money_out_of_range(
                arpu.strict_cast('discount_amount_raw', 'decimal')),
             'discount_amount_out_of_range'),
        ], carried=arpu.contract_reasons('invoice_line_items')) }} as row_reasons

    from {{ relation }}
{% endmacro %}

{% macro typed_users(relation, carry=[]) %}
    select
        {%- for column in carry %}
        {{ column }},
        {%- endfor %}

        ---------- ids
        user_id,
        account_id,

        ---------- timestamps
        {{ arpu.strict_cast('created_at_raw', 'timestamp') }} as created_at,
        {{ arpu.strict_cast('deactivated_at_raw', 'timestamp') }} as deactivated_at,

        ---------- original text of the cast columns, for the quarantine
        created_at_raw,
        deactivated_at_raw,

        ---------- what the input's mapping found (nothing for users
        ---------- today), and the row's fingerprint (incremental runs)
        source_reasons,
        source_fingerprint,

        ---------- contract checks on the row alone
        {{ arpu.contract_reasons('users') }} as row_reasons

    from {{ relation }}
{% endmacro %}
