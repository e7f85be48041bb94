{#- The typed half of staging for the two tables that incremental builds
    judge row by row (docs/incremental.md): from a relation of staged text
    and its casts (contract_casts over the `cleaned` CTE of
    stg_billing__invoice_line_items and stg_billing__users), every contract
    column typed, the original text, and the contract checks on the row
    alone. Written once, here: staging applies it to every row, and on an
    incremental run int_<table>_checked applies it only to the rows it
    judges again (a join that chose them from the staging view would come
    after DuckDB had cast every row). `carry` lists columns of the relation
    passed through as they are. -#}

{% macro typed_invoice_line_items(relation, carry=[]) %}
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
        amount_cast as amount,
        coalesce(discount_amount_cast, 0) as discount_amount,
        coalesce(quantity_cast, 1) as quantity,

        ---------- booleans
        coalesce(is_committed_cast, false) as is_committed,
        -- metrics.md section 1: committed usage is recurring revenue.
        coalesce(
            charge_type = 'recurring'
            or (charge_type = 'usage' and is_committed_cast),
            false
        ) as is_recurring,

        ---------- dates
        period_start_cast as period_start,
        period_end_cast as period_end,
        invoice_date_cast as invoice_date,

        ---------- timestamps
        coalesce(
            updated_at_cast,
            cast(invoice_date_cast as {{ dbt.type_timestamp() }})
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
            ('period_end_cast <= period_start_cast',
             'service_period_not_positive'),
            ("(charge_type = 'recurring' or (charge_type = 'usage' and "
             ~ "is_committed_cast)) and period_start_raw is null"
             ~ " and period_end_raw is null",
             'recurring_without_service_period'),
            ('discount_amount_cast < 0', 'negative_discount_amount'),
            (arpu.is_money_out_of_range('amount_cast'), 'amount_out_of_range'),
            (arpu.is_money_out_of_range('discount_amount_cast'),
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
        created_at_cast as created_at,
        deactivated_at_cast as deactivated_at,

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
