{%- set typed_period_start = strict_cast('period_start_raw', 'date') -%}
{%- set typed_period_end = strict_cast('period_end_raw', 'date') -%}
{%- set typed_committed = strict_cast('is_committed_raw', 'boolean') -%}

with

source as (

    select * from {{ billing_input('invoice_line_items') }}

),

cleaned as (

    select
        {{ clean_text('line_item_id') }} as line_item_id,
        {{ clean_text('invoice_id') }} as invoice_id,
        {{ clean_text('account_id') }} as account_id,
        {{ clean_text('subscription_id') }} as subscription_id,
        {{ clean_text('plan_id') }} as plan_id,
        lower({{ clean_text('charge_type') }}) as charge_type,
        upper({{ clean_text('currency') }}) as currency,
        lower({{ clean_text('invoice_status') }}) as invoice_status,
        {{ clean_text('amount') }} as amount_raw,
        {{ clean_text('discount_amount') }} as discount_amount_raw,
        {{ clean_text('quantity') }} as quantity_raw,
        {{ clean_text('is_committed') }} as is_committed_raw,
        {{ clean_text('period_start') }} as period_start_raw,
        {{ clean_text('period_end') }} as period_end_raw,
        {{ clean_text('invoice_date') }} as invoice_date_raw,
        {{ clean_text('updated_at') }} as updated_at_raw,
        {{ source_reasons('invoice_line_items') }} as source_reasons
    from source

),

typed as (

    select
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
        {{ strict_cast('amount_raw', 'decimal') }} as amount,
        coalesce(
            {{ strict_cast('discount_amount_raw', 'decimal') }}, 0
        ) as discount_amount,
        coalesce({{ strict_cast('quantity_raw', 'integer') }}, 1) as quantity,

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
        {{ strict_cast('invoice_date_raw', 'date') }} as invoice_date,

        ---------- timestamps
        coalesce(
            {{ strict_cast('updated_at_raw', 'timestamp') }},
            cast(
                {{ strict_cast('invoice_date_raw', 'date') }}
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
        ---------- below and the incremental fingerprint
        source_reasons,

        ---------- contract checks on the row alone
        {{ reason_codes([
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
            (strict_cast('discount_amount_raw', 'decimal') ~ ' < 0',
             'negative_discount_amount'),
            (is_money_out_of_range(strict_cast('amount_raw', 'decimal')),
             'amount_out_of_range'),
            (is_money_out_of_range(
                strict_cast('discount_amount_raw', 'decimal')),
             'discount_amount_out_of_range'),
        ], carried=contract_reasons('invoice_line_items')) }} as row_reasons

    from cleaned

)

select * from typed
