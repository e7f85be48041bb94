{#
    Products and quotients of exact money that Spark would overflow.

    Spark holds a decimal in 38 digits and, with
    spark.sql.decimalOperations.allowPrecisionLoss off (the profile turns
    it off: on, Spark cuts a result to 6 places), keeps a result's scale
    and gives up integer digits instead: decimal(38, 12) times decimal(38,
    18) is decimal(38, 30), 8 integer digits, and a larger value is NULL
    (or an error in ANSI mode). DuckDB and PostgreSQL keep their SQL
    unchanged (default__); the spark__ forms give each operand only the
    digits it needs, or compute in double where no decimal can hold the
    result, as DuckDB does there.
#}

{#- amount * part / whole: an exact amount's share for part of whole
    (days of a period). -#}
{% macro prorate(amount, part, whole) %}
    {{ return(adapter.dispatch('prorate', 'arpu')(amount, part, whole)) }}
{% endmacro %}

{% macro default__prorate(amount, part, whole) -%}
    {{ amount }} * {{ part }} / {{ whole }}
{%- endmacro %}

{#- Spark types decimal(38, 12) * bigint / bigint as decimal(38, 22): 16
    integer digits, short of a converted amount's 20. A day count fits
    decimal(10, 0), and the quotient is then decimal(38, 17): 21 integer
    digits, and 17 places rounded once more to 12 by the caller's cast. -#}
{% macro spark__prorate(amount, part, whole) -%}
    {{ amount }} * {{ part }} / cast({{ whole }} as decimal(10, 0))
{%- endmacro %}

{#- amount * (numerator / denominator): a money amount at the ratio of two
    other money amounts (an effective FX rate). -#}
{% macro money_times_ratio(amount, numerator, denominator) %}
    {{ return(adapter.dispatch('money_times_ratio', 'arpu')(
        amount, numerator, denominator)) }}
{% endmacro %}

{% macro default__money_times_ratio(amount, numerator, denominator) -%}
    {{ amount }} * ({{ numerator }} / {{ denominator }})
{%- endmacro %}

{#- Spark: a decimal(38, 12) amount at a ratio of 18 places would need 30
    places and 20 integer digits, which no decimal(38) holds; in double
    precision, as DuckDB computes it (its decimal quotient is a double). -#}
{% macro spark__money_times_ratio(amount, numerator, denominator) -%}
    cast({{ amount }} as {{ arpu.type_double() }})
    * (
        cast({{ numerator }} as {{ arpu.type_double() }})
        / cast({{ denominator }} as {{ arpu.type_double() }})
    )
{%- endmacro %}
