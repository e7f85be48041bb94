{#
    The Stripe source (docs/stripe.md): which input the contract staging
    reads, and the small conversions from Stripe's values into the
    contract's text forms. A Stripe value that does not convert is passed on
    as its own text, so that the contract staging rejects it with the same
    reason a contract file would get (`invalid_amount`, ...).
#}

{#- The contract tables Stripe data replaces; users, fx_rates and
    acquisition_spend are read in contract format beside it. -#}
{% macro stripe_mapped_tables() %}
    {{ return(['accounts', 'plans', 'subscriptions', 'invoice_line_items', 'refunds']) }}
{% endmacro %}

{% macro billing_source() %}
    {% set chosen = arpu_var('billing_source') %}
    {% if chosen not in ['contract', 'stripe'] %}
        {% do exceptions.raise_compiler_error(
            "var arpu_billing_source is '" ~ chosen ~ "': use 'contract' or 'stripe'") %}
    {% endif %}
    {{ return(chosen) }}
{% endmacro %}

{#- True when a contract table is read from Stripe: billing_source
    'stripe', and a table Stripe replaces. -#}
{% macro reads_stripe(table) %}
    {{ return(arpu.billing_source() == 'stripe' and table in arpu.stripe_mapped_tables()) }}
{% endmacro %}

{#- The relation a contract staging model reads: the contract source table,
    or, with arpu_billing_source 'stripe', the Stripe model that maps into it. -#}
{% macro billing_input(table) %}
    {% if arpu.reads_stripe(table) %}
        {{ return(ref('billing_from_stripe__' ~ table)) }}
    {% endif %}
    {{ return(source('billing', table)) }}
{% endmacro %}

{#- The reasons the input's mapping found for a row, in reason_codes' form:
    the Stripe models' column source_reasons, none for contract files. The
    contract staging of a table Stripe replaces selects it as
    `source_reasons`, and contract_reasons carries it. -#}
{% macro source_reasons(table) -%}
    {%- if arpu.reads_stripe(table) -%}
        source_reasons
    {%- else -%}
        ''
    {%- endif -%}
{%- endmacro %}

{#- A Stripe table as a relation of its declared columns, every one as text.
    A table or a column the connector did not land reads as NULL: Fivetran
    lands only what the account uses (`price` or `plan`), and column names
    moved between schema versions. On DuckDB the loader already guarantees
    both; on a warehouse this looks the table up. -#}
{% macro stripe_table(table) %}
    {% set relation = source('stripe', table) %}
    {% if not execute %}
        {{ return(relation) }}
    {% endif %}
    {% set node = graph.sources['source.arpu.stripe.' ~ table] %}
    {% set declared = node.columns.keys() | list %}
    {% set found = adapter.get_relation(
        database=relation.database, schema=relation.schema,
        identifier=relation.identifier) %}
    {% set present = {} %}
    {% if found is not none %}
        {% for column in adapter.get_columns_in_relation(found) %}
            {% do present.update({column.name | lower: column.dtype | lower}) %}
        {% endfor %}
    {% endif %}
    {% set select_list = [] %}
    {% for name in declared %}
        {% if name in present and 'with time zone' in present[name] %}
            {#- Fivetran lands instants as timestamps with time zone: as
                text in UTC, whatever the session's zone. -#}
            {% do select_list.append(
                arpu.utc_timestamp_text(adapter.quote(name)) ~ ' as '
                ~ adapter.quote(name)) %}
        {% elif name in present %}
            {% do select_list.append(
                'cast(' ~ adapter.quote(name) ~ ' as ' ~ dbt.type_string() ~ ') as '
                ~ adapter.quote(name)) %}
        {% else %}
            {% do select_list.append(
                'cast(null as ' ~ dbt.type_string() ~ ') as ' ~ adapter.quote(name)) %}
        {% endif %}
    {% endfor %}
    {% if found is none %}
        {#- Only when building: compiling (sqlfluff's templater) may run
            before any Stripe data is there. -#}
        {% if node.meta.get('required')
              and flags.WHICH in ['run', 'build'] %}
            {% do exceptions.raise_compiler_error(
                "Required Stripe table " ~ relation ~ " does not exist (var arpu_stripe_schema)") %}
        {% endif %}
        {{ return('(select ' ~ select_list | join(', ') ~ ' where 1 = 0) as '
                  ~ adapter.quote('stripe_' ~ table)) }}
    {% endif %}
    {{ return('(select ' ~ select_list | join(', ') ~ ' from ' ~ relation ~ ') as '
              ~ adapter.quote('stripe_' ~ table)) }}
{% endmacro %}

{#- True when Fivetran marks the row deleted (`_fivetran_deleted`, soft
    delete: the row is gone from Stripe, or is an old version of a row):
    such a row is not read, and stripe_input_summary counts it. The column
    may be absent (NULL: not deleted). -#}
{% macro is_fivetran_deleted(relation=none) -%}
    {%- set column = (relation ~ '.' if relation else '') ~ '_fivetran_deleted' -%}
    coalesce(lower({{ arpu.clean_text(column) }}) = 'true', false)
{%- endmacro %}

{#- A Stripe whole-number column (minor-unit amounts, quantity) as trimmed
    text, with a whole number written as a decimal (`10000.0`: a DOUBLE
    column, as pandas writes an integer column with NULLs, or a NUMERIC
    one) as that integer (`10000`). Other text passes on as it is: a
    fraction that is not zero (`10000.5`) is no whole number of minor
    units, and the callers reject it as they reject `12.5`. -#}
{% macro stripe_whole_text(column) -%}
    {%- set text = arpu.clean_text(column) -%}
    case
        when {{ arpu.regex_full_match(text, '-?[0-9]{1,18}[.]0+') }}
            then {{ arpu.split_part_at(text, "'.'", 1) }}
        else {{ text }}
    end
{%- endmacro %}

{#- An amount in a currency's minor unit (integer text) as the text of the
    amount in major units, exactly: exponent 0, 2 or 3 (seed
    stripe_currency_exponents). Other text passes on marked, so that it
    never casts: `12.5` minor units is no amount, though the contract would
    read 12.5 as one. -#}
{% macro stripe_major_units(minor_text, exponent) -%}
    {%- set whole = 'cast(' ~ minor_text ~ ' as ' ~ arpu.type_money_whole() ~ ')' %}
    case
        when not {{ arpu.is_castable(minor_text, 'integer') }}
            then {{ dbt.concat([minor_text, "' (not a whole number of minor units)'"]) }}
        {#- One cast per exponent: a shared decimal type would write
            `100.000` for 100 dollars. The multipliers are exact decimals. #}
        when {{ exponent }} = 0
            then cast({{ whole }} as {{ dbt.type_string() }})
        when {{ exponent }} = 3
            then cast({{ whole }} * 0.001 as {{ dbt.type_string() }})
        else cast({{ whole }} * 0.01 as {{ dbt.type_string() }})
    end
{%- endmacro %}

{#- amount - discount (minor-unit texts; NULL discount = 0) as text; a
    part that is not a whole number passes on as it is, to be rejected. -#}
{% macro credit_note_net(amount_text, discount_text) -%}
    case
        when not {{ arpu.is_castable(amount_text, 'integer') }}
            then {{ amount_text }}
        when not {{ arpu.is_castable(discount_text, 'integer') }}
            then {{ discount_text }}
        else cast(
            {{ arpu.stripe_minor(amount_text) }}
            - coalesce({{ arpu.stripe_minor(discount_text) }}, 0)
            as {{ dbt.type_string() }}
        )
    end
{%- endmacro %}

{#- An integer text in minor units as a whole number, for arithmetic in
    minor units; NULL when it is not an integer. -#}
{% macro stripe_minor(minor_text) -%}
    case
        when {{ arpu.is_castable(minor_text, 'integer') }}
            then cast({{ minor_text }} as {{ arpu.type_money_whole() }})
    end
{%- endmacro %}

{#- A row's last change as contract timestamp text: the latest of its own
    _fivetran_synced (`own_text`, and `own_timestamp` its strict cast) and
    those of the rows it is made from (typed timestamps, NULL = none). Its
    own text passes on when it is not a timestamp (text that does not
    cast), to be rejected (invalid_updated_at). -#}
{% macro latest_sync(own_text, own_timestamp, others) -%}
    {%- set candidates = [own_timestamp] + others -%}
    {%- set latest = [] -%}
    {%- for candidate in candidates -%}
        {#- greatest() of the non-NULL ones, the same on every engine: each
            argument falls back to the others when NULL. -#}
        {%- do latest.append('coalesce(' ~ ([candidate] + (candidates | reject('equalto', candidate) | list)) | join(', ') ~ ')') -%}
    {%- endfor %}
    case
        when {{ arpu.is_cast_failed(own_text, own_timestamp) }} then {{ own_text }}
        else cast(greatest({{ latest | join(', ') }}) as {{ dbt.type_string() }})
    end
{%- endmacro %}

{#- The UTC date of a Stripe timestamp text, as contract date text; text
    that is not a timestamp passes on. The strict cast is NULL exactly when
    the text is NULL or no timestamp, so it is not tested twice.
    `timestamp`: the text's strict cast, which a column holds (the cast is
    long: each model casts a text once). -#}
{% macro stripe_date(timestamp_text, timestamp) -%}
    coalesce(
        cast(
            cast({{ timestamp }} as date)
            as {{ dbt.type_string() }}
        ),
        {{ timestamp_text }}
    )
{%- endmacro %}

{#- not <boolean text>, as text; text that is not a boolean passes on. -#}
{% macro stripe_negate(boolean_text) -%}
    case lower({{ boolean_text }})
        when 'true' then 'false'
        when 'false' then 'true'
        else {{ boolean_text }}
    end
{%- endmacro %}
