{#- Money as read from the contract: exact, 6 decimal places. -#}
{% macro type_money() -%}
    {{ dbt.type_numeric() }}
{%- endmacro %}

{#- FX rates: exact, 12 decimal places, so that converted money stays exact. -#}
{% macro type_rate() -%}
    {{ api.Column.numeric_type('decimal', 28, 12) }}
{%- endmacro %}

{#- Derived money (monthly amounts, recognized shares, converted amounts):
    wide enough for a product of money and rate. -#}
{% macro type_money_precise() -%}
    {{ api.Column.numeric_type('decimal', 38, 12) }}
{%- endmacro %}

{#- A whole number of minor units (Stripe amounts): 18 digits fit the
    contract's integer cast. -#}
{% macro type_money_whole() -%}
    {{ api.Column.numeric_type('decimal', 38, 0) }}
{%- endmacro %}

{#- Money rounded to 6 places (an account's MRR, metrics.md section 3).
    Cast explicitly: PostgreSQL's round() and sum() return an unconstrained
    numeric, DuckDB's a decimal(38, 6). -#}
{% macro type_money_rounded() -%}
    {{ api.Column.numeric_type('decimal', 38, 6) }}
{%- endmacro %}

{#- A 64-bit float for ratios (dbt.type_float is 32-bit on DuckDB). -#}
{% macro type_double() %}
    {{ return(adapter.dispatch('type_double', 'arpu')()) }}
{% endmacro %}

{% macro default__type_double() -%}
    double precision
{%- endmacro %}

{% macro duckdb__type_double() -%}
    double
{%- endmacro %}

{% macro spark__type_double() -%}
    double
{%- endmacro %}
