import pytest

from tests.connectors.factories import AuthorizationFactory
from tests.lending.factories import ProductFactory


@pytest.fixture
def product(bank):
    return ProductFactory(bank=bank)


@pytest.fixture
def consent(enterprise, bank, enterprise_admin):
    """The enterprise has authorized the bank: it may apply to the bank's products."""
    return AuthorizationFactory(enterprise=enterprise, bank=bank, granted_by=enterprise_admin)
